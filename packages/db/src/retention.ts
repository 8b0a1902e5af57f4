/** What the scheduler's retention job passes to each pruning (ROOTWATCH_RETENTION_DAYS). */
export type RetentionOptions = {
  retentionDays: number;
  now?: Date;
  /** Rows per statement (default 5,000): a large backlog never holds locks or bloats WAL in one huge delete. */
  batchSize?: number;
};

/**
 * Runs `deleteBatch` (which deletes at most `batchSize` rows older than `cutoff` and returns how many) until a
 * batch comes back short; returns the number deleted.
 */
export async function pruneInBatches(
  { retentionDays, now = new Date(), batchSize = 5000 }: RetentionOptions,
  deleteBatch: (cutoff: Date, batchSize: number) => Promise<number>,
): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch(cutoff, batchSize);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
