import { describeSlots, reportEvidence, slotEvidence, summaryFlag, unavailable } from './evidence';
import { type Control, fail, mappings, pass, unknown } from './types';

export const rootAccessKeys: Control = {
  id: 'root.access-keys',
  title: 'Root user has no access keys',
  severity: 'critical',
  rationale:
    'A root access key is a long-lived credential with unrestricted power over the account that cannot be limited by IAM policies. Leaked keys are the most common way accounts are taken over.',
  remediation:
    'Sign in as the root user (or use centralized root access: sts:AssumeRoot with IAMDeleteRootUserCredentials from the management account), open Security credentials and delete every root access key, including inactive ones. Use IAM roles for automation instead.',
  mappings: mappings({ cisV3: ['1.4'], cisV5: ['1.3'], cisV6: ['2.3'], cisV7: ['2.4'], fsbp: ['IAM.4'] }),
  evaluate({ posture, facts }) {
    const evidence = {
      AccountAccessKeysPresent: summaryFlag(posture, 'AccountAccessKeysPresent'),
      keys: slotEvidence(facts.accessKeys.slots),
      ...reportEvidence(facts),
    };
    if (facts.accessKeys.present === true) {
      const which = describeSlots('access key', facts.accessKeys.slots) || 'AccountAccessKeysPresent=1';
      return fail(`root has access keys: ${which}`, evidence);
    }
    if (facts.accessKeys.present === false) return pass('root has no access keys', evidence);
    return unknown(
      unavailable(posture, ['accountSummary', 'credentialReport'], 'AccountAccessKeysPresent'),
      evidence,
    );
  },
};
