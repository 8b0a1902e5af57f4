import type { AwsRequestBudgets } from '@rootwatch/config';
import type { BudgetShares } from './budget-shares';
import { createTokenBucket, type TokenBucket } from './token-bucket';

export type BudgetedService = 'iam' | 'sts' | 'organizations';

/** The AWS request budgets, one token bucket per (service, key) in each process. */
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
  /**
   * The worker processes' shares of the per-caller budgets (STS, Organizations), which AWS keeps per
   * calling account however many processes call. Absent (one process: `scan --once`, the demo): the
   * whole budget. IAM is per member account: each account's calls come from the one process assessing
   * it, so its budget is never shared.
   */
  shares?: BudgetShares,
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
      const shared = shares && service !== 'iam' ? shares : undefined;
      let bucket = buckets.get(id);
      if (bucket) {
        if (shared) {
          shared.use(id);
          // A few map operations per request, no I/O; the rate changes only when a beat changed the share.
          bucket.setRate(rate * shared.shareOf(id));
        }
        return bucket;
      }
      if (buckets.size >= MAX_BUCKETS) {
        for (const [oldId, old] of buckets) {
          if (old.waiting() > 0) continue;
          buckets.delete(oldId);
          if (buckets.size < MAX_BUCKETS / 2) break;
        }
      }
      if (shared) shared.use(id);
      bucket = createTokenBucket({ ratePerSecond: shared ? rate * shared.shareOf(id) : rate, now });
      buckets.set(id, bucket);
      return bucket;
    },
    size: () => buckets.size,
  };
}
