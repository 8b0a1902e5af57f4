import { createAwsClientFactory } from '@rootwatch/aws';
import { CliError, EXIT } from './errors';

/**
 * Resolves the SDK default credential chain once before a scan starts, so "no credentials" is one clear
 * line at once instead of a discovery failure after every retry.
 */
export async function ensureAwsCredentials({ region, endpoint }: { region: string; endpoint?: string }) {
  const aws = createAwsClientFactory({ region, ...(endpoint ? { endpoint } : {}) });
  try {
    const credentials = await aws.sts().config.credentials();
    if (!credentials?.accessKeyId) throw new Error('empty credentials');
  } catch (err) {
    throw new CliError(
      `no AWS credentials found (${firstLine((err as Error).message)}): sign in (aws sso login / AWS_PROFILE) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for the simulator, run 'pnpm sim' and export what it prints`,
      'aws_credentials_missing',
      EXIT.usage,
    );
  } finally {
    aws.destroy();
  }
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 160);
}
