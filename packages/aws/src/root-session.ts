import type { IAMClient } from '@aws-sdk/client-iam';
import {
  AUDIT_ROOT_TASK_POLICY,
  type DELETE_ROOT_TASK_POLICY,
  notReadableWithRootSession,
  type RootAccessKeyDetail,
  type RootPosture,
  type RootSessionCredentials,
  type SourceResult,
} from '@rootwatch/core';
import { sessionCredentialsOf } from './assume-role';
import type { AwsClientFactory, AwsCredentials } from './clients';
import {
  AssumeRootCommand,
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListSigningCertificatesCommand,
} from './commands';
import { type AwsErrorContext, awsErrorCode, type ClassifiedAwsError, classifyAwsError } from './errors';
import { collectPages } from './pagination';
import { defaultRegionOf } from './partition';
import { readAccountSummaryFlags } from './posture.collector';

/** The task policies Rootwatch opens root sessions with: audit (scans) and delete (remediation). */
export type RootTaskPolicy = typeof AUDIT_ROOT_TASK_POLICY | typeof DELETE_ROOT_TASK_POLICY;

/** AssumeRoot allows at most 900 s (STS API reference); one account's reads or deletions take seconds. */
export const ROOT_SESSION_MAX_SECONDS = 900;

/** `arn:<partition>:iam::aws:policy/root-task/<name>`: the AWS managed task policies live in the `aws` account. */
export function rootTaskPolicyArn(partition: string, taskPolicy: RootTaskPolicy): string {
  return `arn:${partition}:iam::aws:policy/root-task/${taskPolicy}`;
}

export interface AssumeRootSessionInput {
  clients: Pick<AwsClientFactory, 'sts' | 'region' | 'endpoint'>;
  /** The member account whose root the session acts as (never the management account: AWS refuses it). */
  accountId: string;
  partition: string;
  taskPolicy: RootTaskPolicy;
  /** Regional STS endpoint to use; the factory's region by default. */
  region?: string;
  /** ≤ 900; default 900. */
  durationSeconds?: number;
}

export type AssumeRootSessionResult =
  | { ok: true; taskPolicyArn: string; principalArn: string; credentials: AwsCredentials }
  | { ok: false; taskPolicyArn: string; principalArn: string; error: ClassifiedAwsError };

/** The global STS endpoint (sts.amazonaws.com) does not serve AssumeRoot: it answers InvalidAction. */
export function isGlobalStsEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    return new URL(endpoint).hostname.toLowerCase() === 'sts.amazonaws.com';
  } catch {
    return false;
  }
}

/**
 * Opens a root session in a member account with sts:AssumeRoot (centralized root access, ROOT-ACCESS.md):
 * from the management or IAM delegated-admin account, on a **regional** STS endpoint (the SDK's default
 * for a region; "The STS global endpoint is not supported for AssumeRoot"), at most 900 s. The session
 * is meant to be reused for every call of one account's task. Credentials stay in the returned object.
 *
 * RegionDisabledException is retried once in the partition's default region, as for AssumeRole.
 */
export async function assumeRootSession(input: AssumeRootSessionInput): Promise<AssumeRootSessionResult> {
  const durationSeconds = input.durationSeconds ?? ROOT_SESSION_MAX_SECONDS;
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > ROOT_SESSION_MAX_SECONDS)
    throw new RangeError(
      `AssumeRoot DurationSeconds must be 1-${ROOT_SESSION_MAX_SECONDS}, got ${durationSeconds}`,
    );
  const taskPolicyArn = rootTaskPolicyArn(input.partition, input.taskPolicy);
  const principalArn = `arn:${input.partition}:iam::${input.accountId}:root`;
  if (isGlobalStsEndpoint(input.clients.endpoint)) {
    return {
      ok: false,
      taskPolicyArn,
      principalArn,
      error: {
        kind: 'denied',
        code: 'GlobalStsEndpoint',
        retryable: false,
        message: `sts:AssumeRoot for ${input.accountId}: the global STS endpoint does not serve AssumeRoot — use a regional endpoint (sts.<region>.amazonaws.com)`,
      },
    };
  }
  const region = input.region ?? input.clients.region;
  const first = await assumeRootIn(input, region, durationSeconds, taskPolicyArn, principalArn);
  if (first.ok || first.error.kind !== 'region_disabled') return first;
  const fallback = defaultRegionOf(region);
  if (fallback === region) return first;
  return assumeRootIn(input, fallback, durationSeconds, taskPolicyArn, principalArn);
}

async function assumeRootIn(
  input: AssumeRootSessionInput,
  region: string,
  durationSeconds: number,
  taskPolicyArn: string,
  principalArn: string,
): Promise<AssumeRootSessionResult> {
  const context = { operation: 'sts:AssumeRoot', accountId: input.accountId, region };
  try {
    const out = await input.clients.sts(region).send(
      new AssumeRootCommand({
        TargetPrincipal: input.accountId,
        TaskPolicyArn: { arn: taskPolicyArn },
        DurationSeconds: durationSeconds,
      }),
    );
    return {
      ...sessionCredentialsOf(out.Credentials, input.accountId, context),
      taskPolicyArn,
      principalArn,
    };
  } catch (err) {
    return { ok: false, taskPolicyArn, principalArn, error: classifyAwsError(err, context) };
  }
}

const NO_SUCH_ENTITY = new Set(['NoSuchEntity', 'NoSuchEntityException']);

async function readLoginProfile(iam: IAMClient): Promise<boolean> {
  try {
    await iam.send(new GetLoginProfileCommand({}));
    return true;
  } catch (err) {
    // "Login Profile for User root cannot be found": the root has no password.
    if (NO_SUCH_ENTITY.has(awsErrorCode(err))) return false;
    throw err;
  }
}

async function readAccessKeys(iam: IAMClient): Promise<RootAccessKeyDetail[]> {
  const keys = await collectPages(async (marker) => {
    const out = await iam.send(new ListAccessKeysCommand({ Marker: marker }));
    return { items: out.AccessKeyMetadata, next: out.IsTruncated ? out.Marker : undefined };
  });
  return Promise.all(
    keys
      .filter((k) => k.AccessKeyId)
      .map(async (k) => {
        const id = k.AccessKeyId as string;
        const used = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }))).AccessKeyLastUsed;
        // A never-used key has no LastUsedDate and `N/A` as service and region.
        const known = (v: string | undefined) => (v && v !== 'N/A' ? v : null);
        return {
          id,
          active: k.Status === 'Active',
          createdAt: k.CreateDate?.toISOString() ?? null,
          lastUsedAt: used?.LastUsedDate?.toISOString() ?? null,
          lastUsedService: known(used?.ServiceName),
          lastUsedRegion: known(used?.Region),
        };
      }),
  );
}

/** The root's credentials, read in one root session (the audit task policy's calls, without UserName). */
export async function readRootSessionCredentials(iam: IAMClient): Promise<RootSessionCredentials> {
  const [password, user, accessKeys, certificates, mfaDevices] = await Promise.all([
    readLoginProfile(iam),
    iam.send(new GetUserCommand({})),
    readAccessKeys(iam),
    collectPages(async (marker) => {
      const out = await iam.send(new ListSigningCertificatesCommand({ Marker: marker }));
      return { items: out.Certificates, next: out.IsTruncated ? out.Marker : undefined };
    }),
    collectPages(async (marker) => {
      const out = await iam.send(new ListMFADevicesCommand({ Marker: marker }));
      return { items: out.MFADevices, next: out.IsTruncated ? out.Marker : undefined };
    }),
  ]);
  return {
    password,
    passwordLastUsed: user.User?.PasswordLastUsed?.toISOString() ?? null,
    accessKeys,
    certificates: certificates
      .filter((c) => c.CertificateId)
      .map((c) => ({
        id: c.CertificateId as string,
        active: c.Status === 'Active',
        uploadedAt: c.UploadDate?.toISOString() ?? null,
      })),
    mfaDevices: mfaDevices
      .filter((d) => d.SerialNumber)
      .map((d) => ({
        serialNumber: d.SerialNumber as string,
        enableDate: d.EnableDate?.toISOString() ?? null,
      })),
  };
}

async function read<T>(context: AwsErrorContext, fn: () => Promise<T>): Promise<SourceResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const { kind, code, message } = classifyAwsError(err, context);
    return { ok: false, error: { kind, code, message } };
  }
}

export interface CollectRootSessionPostureInput {
  clients: Pick<AwsClientFactory, 'iam'>;
  /** The root session's credentials (from assumeRootSession with the audit task policy). */
  credentials: AwsCredentials;
  accountId: string;
  partition: string;
  taskPolicyArn: string;
  /** Why `auto` is reading this account in a root session: the member role's error code. */
  fallbackFrom?: string;
  now?: () => Date;
}

/**
 * The root posture read in one root session: GetAccountSummary and the root's credentials. The
 * credential report, the virtual MFA list and the password policy are outside the audit task policy:
 * they are `not_readable` (UNKNOWN for the controls that need only them, never a coverage failure).
 */
export async function collectRootSessionPosture(input: CollectRootSessionPostureInput): Promise<RootPosture> {
  const iam = input.clients.iam(input.credentials);
  const ctx = (operation: string): AwsErrorContext => ({
    operation,
    accountId: input.accountId,
    roleName: `the root session (${AUDIT_ROOT_TASK_POLICY})`,
  });
  const [accountSummary, rootCredentials] = await Promise.all([
    read(ctx('iam:GetAccountSummary'), () => readAccountSummaryFlags(iam)),
    read(ctx('iam:ListAccessKeys'), () => readRootSessionCredentials(iam)),
  ]);
  return {
    accountId: input.accountId,
    partition: input.partition,
    collectedAt: (input.now?.() ?? new Date()).toISOString(),
    coverage: {
      assumed: true,
      roleArn: `arn:${input.partition}:iam::${input.accountId}:root`,
      path: 'root-session',
      taskPolicyArn: input.taskPolicyArn,
      ...(input.fallbackFrom
        ? { fallbackFrom: { path: 'member-role' as const, code: input.fallbackFrom } }
        : {}),
    },
    accountSummary,
    credentialReport: notReadableWithRootSession('The credential report'),
    virtualMfaDevices: notReadableWithRootSession('iam:ListVirtualMFADevices'),
    passwordPolicy: notReadableWithRootSession('The IAM password policy'),
    rootCredentials,
  };
}
