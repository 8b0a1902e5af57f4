import type { IAMClient } from '@aws-sdk/client-iam';
import {
  type AccountSummaryFlags,
  type CredentialReportSource,
  type PasswordPolicy,
  ROOT_SUMMARY_FLAGS,
  type RootPosture,
  type SourceResult,
  unreachablePosture,
  type VirtualMfaDevice,
} from '@rootwatch/core';
import { assumeAuditRole } from './assume-role';
import type { AwsClientFactory, AwsCredentials } from './clients';
import {
  GenerateCredentialReportCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  ListVirtualMFADevicesCommand,
} from './commands';
import { parseCredentialReport } from './credential-report';
import { type AwsErrorContext, awsErrorCode, classifyAwsError } from './errors';
import { collectPages } from './pagination';

export interface CredentialReportPolling {
  /** Give up (ReportTimeout → the report's controls UNKNOWN) after this long. */
  deadlineMs: number;
  /** First wait after GenerateCredentialReport: about the time IAM usually takes. */
  initialDelayMs: number;
  /** Later waits start here and double up to maxDelayMs. */
  stepMs: number;
  maxDelayMs: number;
}

// IAM usually completes a small account's report in about 1.5 s: polling earlier only costs calls, and
// a doubling backoff from a short first wait overshoots it (250 + 500 + 1000 ms → 1.75 s). So the first
// poll comes at the typical time, then short steps catch a slightly slower report, backing off for slow
// ones. A minute covers slow accounts without stalling a scan.
export const DEFAULT_REPORT_POLLING: CredentialReportPolling = {
  deadlineMs: 60_000,
  initialDelayMs: 1_500,
  stepMs: 250,
  maxDelayMs: 4_000,
};

export interface CollectRootPostureInput {
  clients: Pick<AwsClientFactory, 'iam'>;
  /** The member account's session credentials (from assumeAuditRole). */
  credentials: AwsCredentials;
  accountId: string;
  partition: string;
  roleArn: string;
  roleName?: string;
  polling?: Partial<CredentialReportPolling>;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const NOT_READY = new Set(['ReportInProgress', 'CredentialReportNotReadyException']);
const NOT_PRESENT = new Set([
  'ReportNotPresent',
  'ReportExpired',
  'CredentialReportNotPresentException',
  'CredentialReportExpiredException',
]);
const NO_SUCH_ENTITY = new Set(['NoSuchEntity', 'NoSuchEntityException']);

async function read<T>(context: AwsErrorContext, fn: () => Promise<T>): Promise<SourceResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const { kind, code, message } = classifyAwsError(err, context);
    return { ok: false, error: { kind, code, message } };
  }
}

/** The root flags of iam:GetAccountSummary (absent flags stay absent: unknown, never 0). */
export async function readAccountSummaryFlags(iam: IAMClient): Promise<AccountSummaryFlags> {
  const out = await iam.send(new GetAccountSummaryCommand({}));
  const flags: AccountSummaryFlags = {};
  for (const flag of ROOT_SUMMARY_FLAGS) {
    const value = out.SummaryMap?.[flag];
    if (typeof value === 'number') flags[flag] = value;
  }
  return flags;
}

async function readVirtualMfaDevices(iam: IAMClient): Promise<VirtualMfaDevice[]> {
  const devices = await collectPages(async (marker) => {
    const out = await iam.send(
      new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned', Marker: marker }),
    );
    return { items: out.VirtualMFADevices, next: out.IsTruncated ? out.Marker : undefined };
  });
  return devices.map((d) => ({
    serialNumber: d.SerialNumber ?? '',
    userArn: d.User?.Arn ?? null,
    enableDate: d.EnableDate?.toISOString() ?? null,
  }));
}

async function readPasswordPolicy(iam: IAMClient): Promise<PasswordPolicy | null> {
  try {
    const out = await iam.send(new GetAccountPasswordPolicyCommand({}));
    const p = out.PasswordPolicy ?? {};
    const policy: PasswordPolicy = {};
    for (const key of [
      'MinimumPasswordLength',
      'MaxPasswordAge',
      'PasswordReusePrevention',
      'RequireSymbols',
      'RequireNumbers',
      'RequireUppercaseCharacters',
      'RequireLowercaseCharacters',
      'AllowUsersToChangePassword',
      'ExpirePasswords',
      'HardExpiry',
    ] as const) {
      if (p[key] !== undefined) (policy as Record<string, unknown>)[key] = p[key];
    }
    return policy;
  } catch (err) {
    if (NO_SUCH_ENTITY.has(awsErrorCode(err))) return null;
    throw err;
  }
}

/**
 * GenerateCredentialReport, then GetCredentialReport until the report is there: a report
 * under 4 h old is reused by IAM (its GeneratedTime is kept as evidence).
 */
async function readCredentialReport(
  iam: IAMClient,
  polling: CredentialReportPolling,
  sleep: (ms: number) => Promise<void>,
  context: AwsErrorContext,
): Promise<SourceResult<CredentialReportSource>> {
  // The deadline counts the time spent waiting, so an injected sleep keeps it deterministic.
  let waited = 0;
  let delay = polling.initialDelayMs;
  let generate = true;
  let nextDelay = Math.min(polling.stepMs, polling.maxDelayMs);
  const wait = async () => {
    await sleep(delay);
    waited += delay;
    delay = nextDelay;
    nextDelay = Math.min(nextDelay * 2, polling.maxDelayMs);
  };
  for (;;) {
    if (generate) {
      const gen = await iam.send(new GenerateCredentialReportCommand({}));
      generate = false;
      if (gen.State !== 'COMPLETE') {
        if (waited + delay > polling.deadlineMs) break;
        await wait();
      }
    }
    try {
      const out = await iam.send(new GetCredentialReportCommand({}));
      if (!out.Content) {
        return {
          ok: false,
          error: {
            kind: 'malformed',
            code: 'MalformedCredentialReport',
            message: 'credential report has no content',
          },
        };
      }
      return parseCredentialReport(out.Content, (out.GeneratedTime ?? new Date(0)).toISOString());
    } catch (err) {
      const code = awsErrorCode(err);
      if (NOT_PRESENT.has(code)) generate = true;
      else if (!NOT_READY.has(code)) throw err;
    }
    if (waited + delay > polling.deadlineMs) break;
    await wait();
  }
  return {
    ok: false,
    error: {
      kind: 'transient',
      code: 'ReportTimeout',
      message: `credential report of ${context.accountId} not COMPLETE after ${Math.round(polling.deadlineMs / 1000)} s — IAM is slow to generate it; the next scan tries again`,
    },
  };
}

/** Reads the root posture of one member account with its session credentials (5 IAM calls when the report is ready). */
export async function collectRootPosture(input: CollectRootPostureInput): Promise<RootPosture> {
  const iam = input.clients.iam(input.credentials);
  const polling = { ...DEFAULT_REPORT_POLLING, ...input.polling };
  const sleep = input.sleep ?? defaultSleep;
  const ctx = (operation: string): AwsErrorContext => ({
    operation,
    accountId: input.accountId,
    roleName: input.roleName ?? input.roleArn.split('/').pop(),
  });
  const [accountSummary, credentialReport, virtualMfaDevices, passwordPolicy] = await Promise.all([
    read(ctx('iam:GetAccountSummary'), () => readAccountSummaryFlags(iam)),
    read(ctx('iam:GetCredentialReport'), () =>
      readCredentialReport(iam, polling, sleep, ctx('iam:GetCredentialReport')),
    ).then((r) => (r.ok ? r.value : r)),
    read(ctx('iam:ListVirtualMFADevices'), () => readVirtualMfaDevices(iam)),
    read(ctx('iam:GetAccountPasswordPolicy'), () => readPasswordPolicy(iam)),
  ]);
  return {
    accountId: input.accountId,
    partition: input.partition,
    collectedAt: (input.now?.() ?? new Date()).toISOString(),
    coverage: { assumed: true, roleArn: input.roleArn },
    accountSummary,
    credentialReport,
    virtualMfaDevices,
    passwordPolicy,
  };
}

export interface AssessMemberAccountInput
  extends Omit<CollectRootPostureInput, 'credentials' | 'roleArn' | 'clients'> {
  clients: Pick<AwsClientFactory, 'iam' | 'sts' | 'region'>;
  roleName: string;
  externalId?: string | null;
  sessionName: string;
  stsRegion?: string;
  /** More reads with the audit-role session (the member's security contact), alongside the posture's. */
  withSession?: (credentials: AwsCredentials) => Promise<void>;
}

/** AssumeRole + collectRootPosture; an unassumable role becomes a posture with a coverage error, never a throw. */
export async function assessMemberAccount(input: AssessMemberAccountInput): Promise<RootPosture> {
  const assumed = await assumeAuditRole({
    clients: input.clients,
    accountId: input.accountId,
    partition: input.partition,
    roleName: input.roleName,
    externalId: input.externalId ?? null,
    sessionName: input.sessionName,
    ...(input.stsRegion ? { region: input.stsRegion } : {}),
  });
  if (!assumed.ok) {
    const { kind, code, message } = assumed.error;
    return unreachablePosture({
      accountId: input.accountId,
      partition: input.partition,
      collectedAt: (input.now?.() ?? new Date()).toISOString(),
      error: { kind, code, message },
    });
  }
  const [posture] = await Promise.all([
    collectRootPosture({ ...input, credentials: assumed.credentials, roleArn: assumed.roleArn }),
    input.withSession?.(assumed.credentials),
  ]);
  return posture;
}
