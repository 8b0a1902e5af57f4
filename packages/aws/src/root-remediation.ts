import { IAMClient } from '@aws-sdk/client-iam';
import type { PlannedCredential, RootCredentialInventory } from '@rootwatch/core';
import type { AwsClientFactory, AwsCredentials } from './clients';
import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  DeleteVirtualMFADeviceCommand,
  RemediationAssumeRootCommand,
  RemediationGetLoginProfileCommand,
  RemediationListAccessKeysCommand,
  RemediationListMFADevicesCommand,
  RemediationListSigningCertificatesCommand,
} from './commands';
import { type ClassifiedAwsError, classifyAwsError } from './errors';
import { defaultRegionOf } from './partition';

export const DELETE_ROOT_CREDENTIALS_TASK_POLICY = 'IAMDeleteRootUserCredentials';

// AssumeRoot allows at most 900 s; a remediation of one account takes seconds.
const ROOT_SESSION_SECONDS = 900;

export function rootTaskPolicyArn(partition: string, policy: string): string {
  return `arn:${partition}:iam::aws:policy/root-task/${policy}`;
}

export type RootSessionResult =
  | { ok: true; credentials: AwsCredentials }
  | { ok: false; error: ClassifiedAwsError };

/**
 * Opens a root session in a member account limited to IAMDeleteRootUserCredentials. AssumeRoot must go to a
 * regional STS endpoint (the global one refuses it: STS API Reference, AssumeRoot); the factory's STS clients
 * are regional. Credentials stay in the returned object, in memory only.
 */
export async function assumeRootForDeletion(input: {
  clients: Pick<AwsClientFactory, 'sts' | 'region'>;
  accountId: string;
  partition: string;
  region?: string;
}): Promise<RootSessionResult> {
  const region = input.region ?? input.clients.region;
  const attempt = async (r: string): Promise<RootSessionResult> => {
    try {
      const out = await input.clients.sts(r).send(
        new RemediationAssumeRootCommand({
          TargetPrincipal: input.accountId,
          TaskPolicyArn: { arn: rootTaskPolicyArn(input.partition, DELETE_ROOT_CREDENTIALS_TASK_POLICY) },
          DurationSeconds: ROOT_SESSION_SECONDS,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        return {
          ok: false,
          error: classifyAwsError(
            { name: 'MalformedAssumeRoleResponse', message: 'AssumeRoot returned no credentials' },
            { operation: 'sts:AssumeRoot', accountId: input.accountId, region: r },
          ),
        };
      }
      return {
        ok: true,
        credentials: {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          accountId: input.accountId,
          ...(c.Expiration ? { expiration: c.Expiration } : {}),
        },
      };
    } catch (err) {
      return {
        ok: false,
        error: classifyAwsError(err, { operation: 'sts:AssumeRoot', accountId: input.accountId, region: r }),
      };
    }
  };
  const first = await attempt(region);
  if (first.ok || first.error.kind !== 'region_disabled') return first;
  const fallback = defaultRegionOf(region);
  return fallback === region ? first : attempt(fallback);
}

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
      throw Object.assign(new Error(classified.message), { code: classified.code, kind: classified.kind });
    }
  }
  const isThrottled = (err: unknown) => (err as { kind?: string }).kind === 'throttled';
  const isNotFound = (err: unknown) => (err as { kind?: string }).kind === 'not_found';

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
