import { sql } from 'drizzle-orm';
import type { Db } from './database';

/**
 * Sequence values are handed out at insert time but become visible at commit, so two writers can commit
 * ids 6 then 5 and a poller that already moved past 6 would never see 5. Writers of feed rows (drift
 * events, finding changes) take this transaction-scoped lock before drawing a value: values are then drawn
 * in commit order, and `key > cursor` never skips. The lock is held until commit, so callers write feed
 * rows last in their transaction.
 */
export const feedLockCall = sql`pg_advisory_xact_lock(${0x52747763}::int, ${2}::int)`;

export async function lockFeeds(tx: Db): Promise<void> {
  await tx.execute(sql`SELECT ${feedLockCall}`);
}
