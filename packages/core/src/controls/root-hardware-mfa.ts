import { reportEvidence, summaryFlag, unavailable } from './evidence';
import { type Control, fail, mappings, notApplicable, pass, unknown } from './types';

// Hardware MFA for root is not offered in these partitions.
const NO_HARDWARE_MFA_PARTITIONS = new Set(['aws-us-gov', 'aws-cn']);

export const rootHardwareMfa: Control = {
  id: 'root.hardware-mfa',
  title: 'Root user MFA is a hardware device',
  severity: 'high',
  rationale:
    'A virtual MFA lives on a phone or laptop that can be cloned, backed up or lost; a hardware key or token cannot be copied and resists phishing.',
  remediation:
    'Sign in as root, add a FIDO2 security key or hardware TOTP token under Security credentials, then remove the virtual MFA device (arn:…:mfa/root-account-mfa-device).',
  mappings: mappings({ cisV3: ['1.6'], cisV5: ['1.5'], cisV6: ['2.5'], cisV7: ['2.6'], fsbp: ['IAM.6'] }),
  evaluate({ posture, facts }) {
    const evidence = {
      partition: facts.partition,
      AccountMFAEnabled: summaryFlag(posture, 'AccountMFAEnabled'),
      rootVirtualMfaSerial: facts.mfa.virtualSerial,
      mfaType: facts.mfa.type,
      rootCredentials: facts.rootCredentials,
      ...reportEvidence(facts),
    };
    if (NO_HARDWARE_MFA_PARTITIONS.has(facts.partition)) {
      return notApplicable(
        `hardware MFA for root is not available in partition ${facts.partition}`,
        evidence,
      );
    }
    if (facts.rootCredentials === 'absent') {
      return notApplicable('root has no credentials (no password, access key or certificate)', evidence);
    }
    if (facts.mfa.virtualOnRoot === true) {
      return fail(`root MFA is virtual (${facts.mfa.virtualSerial})`, evidence);
    }
    if (facts.mfa.enabled === false) return fail('root has no MFA device at all', evidence);
    if (facts.mfa.enabled === true && facts.mfa.virtualOnRoot === false) {
      return pass('root MFA is enabled and no virtual MFA device is assigned to root', evidence);
    }
    return unknown(
      unavailable(posture, ['accountSummary', 'virtualMfaDevices', 'credentialReport'], 'AccountMFAEnabled'),
      evidence,
    );
  },
};
