import { noCredentialsReason, passwordEvidence, reportEvidence, summaryFlag, unavailable } from './evidence';
import { type Control, fail, mappings, notApplicable, pass, unknown } from './types';

// Hardware MFA for root is not offered in these partitions.
const NO_HARDWARE_MFA_PARTITIONS = new Set(['aws-us-gov', 'aws-cn']);

/**
 * The id stays `root.hardware-mfa` (API compatibility, CIS/FSBP wording), but what Rootwatch can prove
 * is "non-virtual": a hardware TOTP token, a FIDO security key and a passkey look the same in
 * GetAccountSummary, the credential report and ListVirtualMFADevices (none of them is listed there).
 */
export const rootHardwareMfa: Control = {
  id: 'root.hardware-mfa',
  title: 'Root user MFA is a non-virtual device (hardware token, security key or passkey)',
  severity: 'high',
  rationale:
    'A virtual MFA (an authenticator app) lives on a phone or laptop that can be cloned, backed up or lost; a hardware TOTP token or FIDO security key cannot be copied, and FIDO keys and passkeys resist phishing. The AWS APIs only show whether the root MFA is virtual, so a passkey passes like a hardware key.',
  remediation:
    'Sign in as root, add a FIDO2 security key (preferred) or a hardware TOTP token under Security credentials, then remove the virtual MFA device (arn:…:mfa/root-account-mfa-device).',
  mappings: mappings({ cisV3: ['1.6'], cisV5: ['1.5'], cisV6: ['2.5'], cisV7: ['2.6'], fsbp: ['IAM.6'] }),
  evaluate({ posture, facts }) {
    const evidence = {
      partition: facts.partition,
      AccountMFAEnabled: summaryFlag(posture, 'AccountMFAEnabled'),
      rootVirtualMfaSerial: facts.mfa.virtualSerial,
      // Root session only: every root MFA device's serial (a TOTP token, FIDO key or passkey is "non-virtual").
      ...(facts.mfa.serials ? { rootMfaSerials: facts.mfa.serials } : {}),
      mfaType: facts.mfa.type,
      rootCredentials: facts.rootCredentials,
      ...passwordEvidence(facts),
      ...reportEvidence(facts),
    };
    if (NO_HARDWARE_MFA_PARTITIONS.has(facts.partition)) {
      return notApplicable(
        `non-virtual MFA for root is not available in partition ${facts.partition}`,
        evidence,
      );
    }
    if (facts.rootCredentials === 'absent') {
      return notApplicable(noCredentialsReason(facts), evidence);
    }
    if (facts.mfa.virtualOnRoot === true) {
      return fail(`root MFA is virtual (${facts.mfa.virtualSerial})`, evidence);
    }
    if (facts.mfa.enabled === false) return fail('root has no MFA device at all', evidence);
    if (facts.mfa.enabled === true && facts.mfa.virtualOnRoot === false) {
      return pass(
        'root MFA is non-virtual: MFA is enabled and no virtual MFA device is assigned to root (a TOTP token, FIDO security key or passkey)',
        evidence,
      );
    }
    return unknown(
      unavailable(posture, ['accountSummary', 'virtualMfaDevices', 'credentialReport'], 'AccountMFAEnabled'),
      evidence,
    );
  },
};
