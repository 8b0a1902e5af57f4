import { noCredentialsReason, passwordEvidence, reportEvidence, summaryFlag, unavailable } from './evidence';
import { type Control, fail, mappings, notApplicable, pass, unknown } from './types';

export const ROOT_CREDENTIALS_MANAGEMENT = 'RootCredentialsManagement';

export const rootCredentialsRemoved: Control = {
  id: 'root.credentials-removed',
  title: 'Member root credentials are removed (centralized root access)',
  severity: 'medium',
  rationale:
    'With centralized root access the organization can delete member root passwords, keys and certificates; a member root user without credentials cannot be signed in to or phished at all.',
  remediation:
    'From the management account (or the IAM delegated administrator) run sts:AssumeRoot for this account with the IAMDeleteRootUserCredentials task policy and delete the root login profile, access keys, signing certificates and MFA devices.',
  mappings: mappings({ cisV7: ['2.1.1'] }),
  evaluate({ posture, facts, account, org }) {
    const evidence = {
      rootCredentials: facts.rootCredentials,
      AccountPasswordPresent: summaryFlag(posture, 'AccountPasswordPresent'),
      accessKeysPresent: facts.accessKeys.present,
      certificatesPresent: facts.certificates.present,
      ...passwordEvidence(facts),
      orgFeatures: org.features.known ? org.features.enabled : null,
      ...reportEvidence(facts),
    };
    if (facts.rootCredentials === 'absent') return pass(noCredentialsReason(facts), evidence);
    if (account.isManagementAccount) {
      return notApplicable('centralized root access only manages member accounts', evidence);
    }
    if (!org.features.known) {
      return unknown(`organization root-access features unknown: ${org.features.reason}`, evidence);
    }
    // An empty list also stands for ServiceAccessNotEnabledException / OrganizationNotInAllFeaturesModeException
    // from iam:ListOrganizationsFeatures (@rootwatch/aws reads them as "no feature enabled"): proof it is off.
    if (!org.features.enabled.includes(ROOT_CREDENTIALS_MANAGEMENT)) {
      return notApplicable(`the organization has not enabled ${ROOT_CREDENTIALS_MANAGEMENT}`, evidence);
    }
    if (facts.rootCredentials === 'present') {
      const what = [
        facts.password.present === true ? 'a password' : null,
        facts.accessKeys.present === true ? 'access keys' : null,
        facts.certificates.present === true ? 'signing certificates' : null,
      ].filter((x) => x !== null);
      return fail(
        `${ROOT_CREDENTIALS_MANAGEMENT} is enabled but root still has ${what.join(', ')}`,
        evidence,
      );
    }
    return unknown(
      unavailable(posture, ['accountSummary', 'credentialReport'], 'AccountPasswordPresent'),
      evidence,
    );
  },
};
