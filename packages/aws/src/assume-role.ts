import { auditRoleArn, sanitizeSessionName } from './arn';
import type { AwsClientFactory, AwsCredentials } from './clients';
import { AssumeRoleCommand } from './commands';
import { type AwsErrorContext, type ClassifiedAwsError, classifyAwsError } from './errors';
import { defaultRegionOf } from './partition';

// The shortest session STS allows: one account's reads take seconds, and less exposure if leaked.
export const AUDIT_SESSION_SECONDS = 900;

export interface AssumeAuditRoleInput {
  clients: Pick<AwsClientFactory, 'sts' | 'region'>;
  accountId: string;
  partition: string;
  roleName: string;
  externalId?: string | null;
  /** Identifies the scan in CloudTrail (e.g. `rootwatch-<scanRunId>`); sanitized to STS's charset. */
  sessionName: string;
  /**
   * STS region; defaults to the factory's. A regional endpoint is always used; if STS is not activated
   * there (an opt-in region), the assume is retried once in the partition's default region.
   */
  region?: string;
  durationSeconds?: number;
}

export type AssumeAuditRoleResult =
  | { ok: true; roleArn: string; credentials: AwsCredentials }
  | { ok: false; roleArn: string; error: ClassifiedAwsError };

/**
 * Assumes the audit role in a member account. Credentials stay in memory, in the returned object only.
 *
 * `RegionDisabledException` ("STS is not activated in the requested region for the account that is being
 * asked to generate credentials", STS API Reference, AssumeRole) means the regional endpoint is off for
 * that account, not that the role is unreachable: the partition's default region is never opt-in, so the
 * assume is retried there once before the account is declared unreachable.
 */
export async function assumeAuditRole(input: AssumeAuditRoleInput): Promise<AssumeAuditRoleResult> {
  const region = input.region ?? input.clients.region;
  const first = await assumeIn(input, region);
  if (first.ok || first.error.kind !== 'region_disabled') return first;
  const fallback = defaultRegionOf(region);
  if (fallback === region) return first;
  return assumeIn(input, fallback);
}

async function assumeIn(input: AssumeAuditRoleInput, region: string): Promise<AssumeAuditRoleResult> {
  const roleArn = auditRoleArn(input.partition, input.accountId, input.roleName);
  const context = {
    operation: 'sts:AssumeRole',
    accountId: input.accountId,
    roleName: input.roleName,
    region,
  };
  try {
    const out = await input.clients.sts(region).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sanitizeSessionName(input.sessionName),
        DurationSeconds: input.durationSeconds ?? AUDIT_SESSION_SECONDS,
        ...(input.externalId ? { ExternalId: input.externalId } : {}),
      }),
    );
    return { ...sessionCredentialsOf(out.Credentials, input.accountId, context), roleArn };
  } catch (err) {
    return { ok: false, roleArn, error: classifyAwsError(err, context) };
  }
}

type StsCredentials = {
  AccessKeyId?: string;
  SecretAccessKey?: string;
  SessionToken?: string;
  Expiration?: Date;
};

/**
 * The session credentials of an AssumeRole or AssumeRoot answer for `accountId`, or the classified error when
 * STS answered without them.
 */
export function sessionCredentialsOf(
  c: StsCredentials | undefined,
  accountId: string,
  context: AwsErrorContext & { operation: string },
): { ok: true; credentials: AwsCredentials } | { ok: false; error: ClassifiedAwsError } {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    const message = `${context.operation.slice('sts:'.length)} returned no credentials`;
    return { ok: false, error: classifyAwsError({ name: 'MalformedAssumeRoleResponse', message }, context) };
  }
  return {
    ok: true,
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
      accountId,
    },
  };
}
