import { AUDIT_ROOT_TASK_POLICY, NOT_READABLE_WITH_ROOT_SESSION } from '../posture';
import { type Control, fail, mappings, pass, unknown } from './types';

export const MIN_PASSWORD_LENGTH = 14;
export const MIN_PASSWORD_REUSE_PREVENTION = 24;

export const accountPasswordPolicy: Control = {
  id: 'account.password-policy',
  title: 'IAM password policy requires length ≥ 14 and prevents reuse of 24 passwords',
  severity: 'medium',
  rationale:
    'Short or reused passwords of IAM users are guessed and replayed; a strong account password policy is the baseline CIS and AWS Foundational Security Best Practices ask for.',
  remediation: `In IAM → Account settings set the password policy: minimum length at least ${MIN_PASSWORD_LENGTH} and "prevent password reuse" of the last ${MIN_PASSWORD_REUSE_PREVENTION} passwords (aws iam update-account-password-policy --minimum-password-length ${MIN_PASSWORD_LENGTH} --password-reuse-prevention ${MIN_PASSWORD_REUSE_PREVENTION}).`,
  mappings: mappings({ cisV3: ['1.8', '1.9'], cisV5: ['1.7', '1.8'], fsbp: ['IAM.15', 'IAM.16'] }),
  evaluate({ facts }) {
    const policy = facts.passwordPolicy;
    // A root session cannot read it: the reason is the bare code, as ROOT-ACCESS.md names it.
    if (policy.status === 'unknown' && policy.reason === NOT_READABLE_WITH_ROOT_SESSION)
      return unknown(NOT_READABLE_WITH_ROOT_SESSION, {
        message: `iam:GetAccountPasswordPolicy is not allowed under the ${AUDIT_ROOT_TASK_POLICY} task policy; deploy the member audit role to read the password policy`,
      });
    if (policy.status === 'unknown') return unknown(`password policy unavailable (${policy.reason})`, {});
    if (policy.status === 'absent') return fail('the account has no IAM password policy', { policy: null });
    const evidence = {
      MinimumPasswordLength: policy.minimumLength,
      PasswordReusePrevention: policy.reusePrevention,
    };
    const problems: string[] = [];
    if ((policy.minimumLength ?? 0) < MIN_PASSWORD_LENGTH) {
      problems.push(`MinimumPasswordLength is ${policy.minimumLength ?? 'unset'} (< ${MIN_PASSWORD_LENGTH})`);
    }
    if ((policy.reusePrevention ?? 0) < MIN_PASSWORD_REUSE_PREVENTION) {
      problems.push(
        `PasswordReusePrevention is ${policy.reusePrevention ?? 'unset'} (< ${MIN_PASSWORD_REUSE_PREVENTION})`,
      );
    }
    if (problems.length > 0) return fail(problems.join('; '), evidence);
    return pass('the password policy meets length and reuse requirements', evidence);
  },
};
