import type { STSClient } from '@aws-sdk/client-sts';
import { sanitizeSessionName } from './arn';
import type { AwsCredentials, AwsCredentialsProvider } from './clients';
import { AssumeRoleCommand } from './commands';
import { AwsAccessError, classifyAwsError } from './errors';

// The scanner session outlives a whole scan of a large org; it is refreshed well before expiry.
const SCANNER_SESSION_SECONDS = 3600;
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

export interface ScannerRoleInput {
  /** STS client signed with the ambient identity (the default credential chain). */
  sts: STSClient;
  roleArn: string;
  externalId?: string | null;
  sessionName: string;
  now?: () => number;
}

/**
 * Credentials of the discovery (scanner) role in the management or delegated-admin account,
 * assumed from the ambient identity, cached in memory and renewed before they expire.
 * Concurrent callers share one AssumeRole call.
 */
export function createScannerRoleCredentials(input: ScannerRoleInput): AwsCredentialsProvider {
  const now = input.now ?? Date.now;
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;

  const assume = async (): Promise<AwsCredentials> => {
    try {
      const out = await input.sts.send(
        new AssumeRoleCommand({
          RoleArn: input.roleArn,
          RoleSessionName: sanitizeSessionName(input.sessionName),
          DurationSeconds: SCANNER_SESSION_SECONDS,
          ...(input.externalId ? { ExternalId: input.externalId } : {}),
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new AwsAccessError(
          classifyAwsError(
            { name: 'MalformedAssumeRoleResponse', message: 'AssumeRole returned no credentials' },
            { operation: 'sts:AssumeRole' },
          ),
        );
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    } catch (err) {
      if (err instanceof AwsAccessError) throw err;
      const classified = classifyAwsError(err, { operation: 'sts:AssumeRole' });
      throw new AwsAccessError({
        ...classified,
        message: `the scanner role ${input.roleArn} cannot be assumed: ${classified.code} — check its trust policy allows this identity${input.externalId ? ' and the ExternalId' : ''}`,
      });
    }
  };

  return async () => {
    const fresh = current?.expiration
      ? current.expiration.getTime() - now() > REFRESH_BEFORE_EXPIRY_MS
      : !!current;
    if (current && fresh) return current;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current;
  };
}
