import {
  AUDIT_ROOT_TASK_POLICY,
  type RootPosture,
  type SourceError,
  unreachablePosture,
} from '@rootwatch/core';
import type { AwsClientFactory } from './clients';
import { type AssessMemberAccountInput, assessMemberAccount } from './posture.collector';
import { assumeRootSession, collectRootSessionPosture, rootTaskPolicyArn } from './root-session';

/**
 * How an organization's member accounts are read (per org, `access` in the config):
 * - `member-role`: AssumeRole into the audit role (the default, the behaviour before access modes);
 * - `root-session`: sts:AssumeRoot with IAMAuditRootUserCredentials, no member role needed;
 * - `auto`: the member role where it can be assumed, a root session where it cannot (AccessDenied /
 *   role missing) — only when the organization has `RootSessions` enabled (iam:ListOrganizationsFeatures,
 *   read at discovery).
 */
export const ACCESS_MODES = ['member-role', 'root-session', 'auto'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export const ROOT_SESSIONS_FEATURE = 'RootSessions';

export interface AssessAccountInput extends AssessMemberAccountInput {
  clients: Pick<AwsClientFactory, 'iam' | 'sts' | 'region' | 'endpoint'>;
  access: AccessMode;
  /** The org's `RootSessions` feature: true / false from discovery, null when it could not be read. */
  rootSessions: boolean | null;
  /** Centralized root access never covers the management account (AWS refuses AssumeRoot for it). */
  isManagementAccount: boolean;
}

// A missing role and a trust policy that refuses the scanner both answer AccessDenied on AWS.
const FALLBACK_KINDS: ReadonlySet<SourceError['kind']> = new Set(['denied', 'not_found']);

function unreachable(input: AssessAccountInput, error: SourceError): RootPosture {
  return unreachablePosture({
    accountId: input.accountId,
    partition: input.partition,
    collectedAt: (input.now?.() ?? new Date()).toISOString(),
    error,
    path: 'root-session',
  });
}

/** One root session (audit task policy) for all reads of the account; its failure is a coverage error. */
async function viaRootSession(input: AssessAccountInput, fallbackFrom?: string): Promise<RootPosture> {
  const session = await assumeRootSession({
    clients: input.clients,
    accountId: input.accountId,
    partition: input.partition,
    taskPolicy: AUDIT_ROOT_TASK_POLICY,
    ...(input.stsRegion ? { region: input.stsRegion } : {}),
  });
  if (!session.ok) {
    const { kind, code, message } = session.error;
    return unreachable(input, { kind, code, message });
  }
  return collectRootSessionPosture({
    clients: input.clients,
    credentials: session.credentials,
    accountId: input.accountId,
    partition: input.partition,
    taskPolicyArn: session.taskPolicyArn,
    ...(fallbackFrom ? { fallbackFrom } : {}),
    ...(input.now ? { now: input.now } : {}),
  });
}

function rootSessionsOff(input: AssessAccountInput): SourceError {
  return {
    kind: 'denied',
    code: 'RootSessionsNotEnabled',
    message: `sts:AssumeRoot for ${input.accountId}: the organization has not enabled ${ROOT_SESSIONS_FEATURE} (aws iam enable-organizations-root-sessions, from the management account; docs/deploy.md)`,
  };
}

/**
 * Reads one member account's root posture by the organization's access mode. Never throws for an AWS
 * refusal: an account that cannot be read is a posture with a coverage error saying why.
 */
export async function assessAccount(input: AssessAccountInput): Promise<RootPosture> {
  if (input.access === 'member-role') return assessMemberAccount(input);
  if (input.access === 'root-session') {
    // AWS never opens a root session in the management account: its own audit role is the only way in.
    if (input.isManagementAccount) return assessMemberAccount(input);
    // Known to be off: say so instead of calling STS for an answer known in advance.
    if (input.rootSessions === false) return unreachable(input, rootSessionsOff(input));
    return viaRootSession(input);
  }
  const viaRole = await assessMemberAccount(input);
  const coverage = viaRole.coverage;
  if (coverage.assumed || !FALLBACK_KINDS.has(coverage.error.kind)) return viaRole;
  if (input.isManagementAccount || input.rootSessions !== true) return viaRole;
  return viaRootSession(input, coverage.error.code);
}

export { rootTaskPolicyArn };
