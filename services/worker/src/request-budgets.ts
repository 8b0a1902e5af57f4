import type { AwsRequestBudgets } from '@rootwatch/config';
import { createTokenBucket, type TokenBucket } from './token-bucket';

export type BudgetedService = 'iam' | 'sts' | 'organizations';

/** The process's AWS request budgets, one token bucket per (service, key). */
export interface RequestBudgets {
  /**
   * The bucket of `service` for `key` — the member account for IAM, the calling account (or
   * identity) for STS and Organizations — or null when that service has no fixed ceiling.
   */
  of(service: BudgetedService, key: string): TokenBucket | null;
  /** Buckets held now (tests, metrics). */
  size(): number;
}

// A bucket left alone for a second is full again, the same as a new one: dropping the oldest keeps a
// long-lived worker's map bounded (one IAM bucket per member account) without changing any budget.
const MAX_BUCKETS = 20_000;

/**
 * AWS keeps its request quotas per account, not per client process: each member account's IAM calls
 * have their own quota, AssumeRole and Organizations are limited per calling account. One process-wide
 * bucket (the old ROOTWATCH_AWS_REQUESTS_PER_SECOND) made a thousand member accounts share one
 * account's worth of budget; these are keyed as AWS keys them.
 */
export function createRequestBudgets(
  budgets: AwsRequestBudgets,
  now: () => number = () => performance.now(),
): RequestBudgets {
  const rates: Record<BudgetedService, number> = {
    iam: budgets.iamPerAccount,
    sts: budgets.stsPerCaller,
    organizations: budgets.organizationsPerCaller,
  };
  const buckets = new Map<string, TokenBucket>();
  return {
    of(service, key) {
      const rate = rates[service];
      if (rate <= 0) return null;
      const id = `${service}/${key}`;
      let bucket = buckets.get(id);
      if (bucket) return bucket;
      if (buckets.size >= MAX_BUCKETS) {
        for (const [oldId, old] of buckets) {
          if (old.waiting() > 0) continue;
          buckets.delete(oldId);
          if (buckets.size < MAX_BUCKETS / 2) break;
        }
      }
      bucket = createTokenBucket({ ratePerSecond: rate, now });
      buckets.set(id, bucket);
      return bucket;
    },
    size: () => buckets.size,
  };
}
