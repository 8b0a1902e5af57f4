import { createHash } from 'node:crypto';

/**
 * Whether an account job reads the account's tags this run. Tags cost one organizations:ListTagsForResource
 * per account on the caller account's Organizations quota, which AWS keeps at a few requests per second
 * (docs/aws-quotas.md): reading every account every scan would spend ~33 min of it on a 10,000-account org.
 * Tags are filter metadata, not control evidence, so a known account's tags are refreshed at random with
 * probability budget / total: about `budget` reads a scan, each account read every total / budget scans on
 * average. An account new to Rootwatch is always read. Deterministic per (run, account), so a retried job
 * decides the same way.
 */
export function readsTagsThisRun(input: {
  runId: string;
  accountId: string;
  isNew: boolean;
  /** Accounts in the run. */
  total: number;
  budget: number;
}): boolean {
  if (input.isNew || input.budget >= input.total) return true;
  if (input.budget <= 0) return false;
  const digest = createHash('sha256').update(`${input.runId}/${input.accountId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < input.budget / input.total;
}
