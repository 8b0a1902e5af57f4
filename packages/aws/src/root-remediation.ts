import { IAMClient } from '@aws-sdk/client-iam';
import type { PlannedCredential, RootCredentialInventory } from '@rootwatch/core';
import type { AwsClientFactory, AwsCredentials } from './clients';
import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  DeleteVirtualMFADeviceCommand,
  RemediationGetLoginProfileCommand,
  RemediationListAccessKeysCommand,
  RemediationListMFADevicesCommand,
  RemediationListSigningCertificatesCommand,
} from './commands';
import { AwsAccessError, classifyAwsError } from './errors';

/** One IAM call made in the root session, for dry runs and the action log. */
export type RootCall = { operation: string; params: Record<string, string> };

/** The IAM call that deletes (or, for MFA, deactivates then deletes) one planned credential. */
export function deletionCalls(c: PlannedCredential): RootCall[] {
  switch (c.type) {
    case 'access-key':
      return [{ operation: 'iam:DeleteAccessKey', params: { AccessKeyId: c.id } }];
    case 'signing-certificate':
      return [{ operation: 'iam:DeleteSigningCertificate', params: { CertificateId: c.id } }];
    case 'login-profile':
      return [{ operation: 'iam:DeleteLoginProfile', params: {} }];
    case 'mfa-device':
      // A virtual device (an ARN serial) is deactivated and then deleted; a hardware or FIDO one only deactivated.
      return c.serial.startsWith('arn:')
        ? [
            { operation: 'iam:DeactivateMFADevice', params: { SerialNumber: c.serial } },
            { operation: 'iam:DeleteVirtualMFADevice', params: { SerialNumber: c.serial } },
          ]
        : [{ operation: 'iam:DeactivateMFADevice', params: { SerialNumber: c.serial } }];
  }
}

export interface RootCredentialsSession {
  /** Re-reads the root user's credentials: key ids, certificate ids, login profile, MFA serials. */
  read(): Promise<RootCredentialInventory>;
  /** Deletes one credential; a throttled call is retried only after a re-read shows it still there. */
  delete(c: PlannedCredential): Promise<{ calls: RootCall[]; alreadyGone: boolean }>;
}

export interface RootCredentialsSessionOptions {
  clients: Pick<AwsClientFactory, 'region' | 'endpoint'>;
  credentials: AwsCredentials;
  /** Attempts of a throttled read or delete (default 5), each after a backoff. */
  maxThrottledAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Sees every call made (operation + outcome), for logs and metrics. */
  onCall?: (operation: string, outcome: 'ok' | 'throttled' | 'error') => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * IAM in a root deletion session. The client makes exactly one attempt per call (maxAttempts 1): the SDK would
 * otherwise resend a throttled or timed-out delete blindly; here only reads are retried as they are, and a
 * delete is sent again only once a fresh read shows the credential still exists.
 */
export function createRootCredentialsSession(options: RootCredentialsSessionOptions): RootCredentialsSession {
  const {
    clients,
    credentials,
    maxThrottledAttempts = 5,
    baseDelayMs = 500,
    sleep = defaultSleep,
    onCall,
  } = options;
  const iam = new IAMClient({
    region: clients.region,
    maxAttempts: 1,
    credentials,
    ...(clients.endpoint ? { endpoint: clients.endpoint } : {}),
  });
  const backoff = (attempt: number) => sleep(Math.min(20_000, baseDelayMs * 2 ** (attempt - 1)));

  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      onCall?.(operation, 'ok');
      return out;
    } catch (err) {
      const classified = classifyAwsError(err, { operation, accountId: credentials.accountId });
      onCall?.(operation, classified.kind === 'throttled' ? 'throttled' : 'error');
      // Classified once here: the callers below and the applier read its kind and code.
      throw new AwsAccessError(classified);
    }
  }
  const isThrottled = (err: unknown) => err instanceof AwsAccessError && err.kind === 'throttled';
  const isNotFound = (err: unknown) => err instanceof AwsAccessError && err.kind === 'not_found';

  async function readOnce(): Promise<RootCredentialInventory> {
    const keys = await call('iam:ListAccessKeys', () => iam.send(new RemediationListAccessKeysCommand({})));
    const certs = await call('iam:ListSigningCertificates', () =>
      iam.send(new RemediationListSigningCertificatesCommand({})),
    );
    let loginProfile = true;
    try {
      await call('iam:GetLoginProfile', () => iam.send(new RemediationGetLoginProfileCommand({})));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      loginProfile = false;
    }
    const mfa = await call('iam:ListMFADevices', () => iam.send(new RemediationListMFADevicesCommand({})));
    return {
      loginProfile,
      accessKeys: (keys.AccessKeyMetadata ?? []).map((k) => ({
        id: k.AccessKeyId ?? '',
        status: k.Status ?? null,
      })),
      certificates: (certs.Certificates ?? []).map((c) => ({
        id: c.CertificateId ?? '',
        status: c.Status ?? null,
      })),
      mfaDevices: (mfa.MFADevices ?? []).map((d) => ({ serial: d.SerialNumber ?? '' })),
    };
  }

  async function read(): Promise<RootCredentialInventory> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await readOnce();
      } catch (err) {
        if (!isThrottled(err) || attempt >= maxThrottledAttempts) throw err;
        await backoff(attempt);
      }
    }
  }

  const stillThere = (inv: RootCredentialInventory, c: PlannedCredential, step: RootCall): boolean => {
    switch (c.type) {
      case 'access-key':
        return inv.accessKeys.some((k) => k.id === c.id);
      case 'signing-certificate':
        return inv.certificates.some((k) => k.id === c.id);
      case 'login-profile':
        return inv.loginProfile;
      case 'mfa-device':
        // A deactivated virtual device leaves the root's list but still exists until deleted.
        return (
          step.operation === 'iam:DeleteVirtualMFADevice' || inv.mfaDevices.some((d) => d.serial === c.serial)
        );
    }
  };

  function send(step: RootCall): Promise<unknown> {
    const p = step.params;
    switch (step.operation) {
      case 'iam:DeleteAccessKey':
        return iam.send(new DeleteAccessKeyCommand({ AccessKeyId: p.AccessKeyId }));
      case 'iam:DeleteSigningCertificate':
        return iam.send(new DeleteSigningCertificateCommand({ CertificateId: p.CertificateId }));
      case 'iam:DeleteLoginProfile':
        return iam.send(new DeleteLoginProfileCommand({}));
      case 'iam:DeactivateMFADevice':
        return iam.send(new DeactivateMFADeviceCommand({ SerialNumber: p.SerialNumber }));
      case 'iam:DeleteVirtualMFADevice':
        return iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: p.SerialNumber }));
      default:
        throw new Error(`not a deletion call: ${step.operation}`);
    }
  }

  return {
    read,
    async delete(c) {
      const made: RootCall[] = [];
      let alreadyGone = false;
      for (const step of deletionCalls(c)) {
        for (let attempt = 1; ; attempt++) {
          try {
            await call(step.operation, () => send(step));
            made.push(step);
            break;
          } catch (err) {
            if (isNotFound(err)) {
              alreadyGone = true;
              break;
            }
            if (!isThrottled(err) || attempt >= maxThrottledAttempts) throw err;
            await backoff(attempt);
            // Never resend a delete blindly: only when a fresh read shows the credential still there.
            if (!stillThere(await read(), c, step)) {
              alreadyGone = true;
              break;
            }
          }
        }
      }
      return { calls: made, alreadyGone };
    },
  };
}
