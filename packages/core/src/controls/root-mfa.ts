import { noCredentialsReason, passwordEvidence, reportEvidence, summaryFlag, unavailable } from './evidence';
import { type Control, fail, mappings, notApplicable, pass, unknown } from './types';

export const rootMfa: Control = {
  id: 'root.mfa',
  title: 'MFA is enabled on the root user',
  severity: 'critical',
  rationale:
    'Without MFA, the root password alone (phished, reused or reset through the account e-mail) gives full control of the account.',
  remediation:
    'Sign in as the root user, open Security credentials and assign an MFA device (a FIDO2 security key or hardware TOTP token is preferred). Better for member accounts: remove the root credentials entirely with centralized root access.',
  mappings: mappings({ cisV3: ['1.5'], cisV5: ['1.4'], cisV6: ['2.4'], cisV7: ['2.5'], fsbp: ['IAM.9'] }),
  evaluate({ posture, facts }) {
    const evidence = {
      AccountMFAEnabled: summaryFlag(posture, 'AccountMFAEnabled'),
      rootCredentials: facts.rootCredentials,
      ...passwordEvidence(facts),
      ...reportEvidence(facts),
    };
    if (facts.rootCredentials === 'absent') {
      return notApplicable(noCredentialsReason(facts), evidence);
    }
    if (facts.mfa.enabled === true) return pass('MFA is enabled on root', evidence);
    if (facts.mfa.enabled === false) return fail('root has no MFA device', evidence);
    return unknown(
      unavailable(posture, ['accountSummary', 'credentialReport'], 'AccountMFAEnabled'),
      evidence,
    );
  },
};
