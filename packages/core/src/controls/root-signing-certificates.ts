import { describeSlots, reportEvidence, slotEvidence, summaryFlag, unavailable } from './evidence';
import { type Control, fail, mappings, pass, unknown } from './types';

export const rootSigningCertificates: Control = {
  id: 'root.signing-certificates',
  title: 'Root user has no X.509 signing certificates',
  severity: 'medium',
  rationale:
    'A root signing certificate is a long-lived credential that can sign requests to some AWS services as root. Nobody needs one today.',
  remediation:
    'Delete the root signing certificates (as root under Security credentials, or with centralized root access and the IAMDeleteRootUserCredentials task policy). Inactive certificates count: they can be re-activated.',
  mappings: mappings({ other: ['ScoutSuite iam-root-account-with-active-certs'] }),
  evaluate({ posture, facts }) {
    const evidence = {
      AccountSigningCertificatesPresent: summaryFlag(posture, 'AccountSigningCertificatesPresent'),
      certificates: slotEvidence(facts.certificates.slots),
      ...reportEvidence(facts),
    };
    if (facts.certificates.present === true) {
      const which =
        describeSlots('certificate', facts.certificates.slots) || 'AccountSigningCertificatesPresent=1';
      return fail(`root has signing certificates: ${which}`, evidence);
    }
    if (facts.certificates.present === false) return pass('root has no signing certificates', evidence);
    return unknown(
      unavailable(posture, ['accountSummary', 'credentialReport'], 'AccountSigningCertificatesPresent'),
      evidence,
    );
  },
};
