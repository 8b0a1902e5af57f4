import { scanRunAwaitsFinalization } from '@rootwatch/core';
import {
  type AccountResultInput,
  type AccountResultWritten,
  createRepositories,
  type Db,
  writeAccountResults,
} from '@rootwatch/db';

export type AccountResultRecord =
  /** Written now; `runComplete` = this was the run's last account (enqueue finalization). */
  | (Extract<AccountResultWritten, { written: true }> & { runComplete: boolean })
  /** Nothing written: the run × account row already exists (a retried job) or the run is not running. */
  | { written: false; reason: 'duplicate' | 'run_not_running'; runComplete: boolean };

export interface AccountResultsBatcherOptions {
  db: Db;
  /** Most accounts written by one transaction. */
  maxBatch?: number;
  /** How long a result waits for others to share its transaction (it delays the job by as much). */
  lingerMs?: number;
  /** Transactions in flight at once from this process. */
  maxInFlight?: number;
}

interface Pending {
  input: AccountResultInput;
  resolve(record: AccountResultRecord): void;
  reject(error: unknown): void;
}

/**
 * Batches account results into db's writeAccountResults, several per transaction: what a worker process
 * finishes within `lingerMs` is written together. A batch that fails is retried one account per transaction, so one bad result
 * never fails the others; a single account's failure rejects its own record() only (its job retries).
 */
export function createAccountResultsBatcher({
  db,
  maxBatch = 50,
  // A batch costs about a dozen statements whatever its size: at a worker's ~50 accounts/s, 40 ms made
  // batches of two (six statements per account, each built, sent and answered), 150 ms makes them ~8.
  // An account job is ~2 s of AWS waits; 150 ms more keeps AssumeRole's rate within the concurrency.
  lingerMs = 150,
  maxInFlight = 2,
}: AccountResultsBatcherOptions) {
  const readRepos = createRepositories({ db });
  const pending: Pending[] = [];
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const runComplete = async (runId: string) =>
    scanRunAwaitsFinalization(await readRepos.scanRuns.get({ id: runId }));

  async function settle(batch: Pending[], written: AccountResultWritten[]): Promise<void> {
    // Read after COMMIT: of the accounts committing last, at least the very last sees every count.
    const complete = new Map<string, boolean>();
    for (const runId of new Set(batch.map((b) => b.input.runId)))
      complete.set(runId, await runComplete(runId));
    batch.forEach((b, i) => {
      b.resolve({ ...written[i]!, runComplete: complete.get(b.input.runId) ?? false });
    });
  }

  async function writeAlone(item: Pending): Promise<void> {
    try {
      const write = await writeAccountResults(db, [item.input]);
      if (write.runRunning) await settle([item], write.accounts);
      else item.resolve({ written: false, reason: 'run_not_running', runComplete: false });
    } catch (error) {
      item.reject(error);
    }
  }

  async function flush(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return writeAlone(batch[0]!);
    let write: Awaited<ReturnType<typeof writeAccountResults>>;
    try {
      write = await writeAccountResults(
        db,
        batch.map((b) => b.input),
      );
    } catch {
      write = { runRunning: false };
    }
    // A failed batch (or one whose runs are not all running) is retried one account per transaction.
    if (!write.runRunning) {
      for (const item of batch) await writeAlone(item);
      return;
    }
    const { accounts } = write;
    await settle(batch, accounts).catch((error: unknown) => {
      for (const b of batch) b.reject(error);
    });
  }

  function takeBatch(): Pending[] {
    // One result per account in a batch; a second one (a job run twice at once) waits for the next.
    const batch: Pending[] = [];
    const ids = new Set<string>();
    for (let i = 0; i < pending.length && batch.length < maxBatch; ) {
      const item = pending[i]!;
      if (ids.has(item.input.accountId)) {
        i++;
        continue;
      }
      ids.add(item.input.accountId);
      batch.push(item);
      pending.splice(i, 1);
    }
    return batch;
  }

  function pump(): void {
    while (inFlight < maxInFlight && pending.length > 0) {
      const batch = takeBatch();
      inFlight++;
      void flush(batch).finally(() => {
        inFlight--;
        schedule();
      });
    }
  }

  function schedule(): void {
    if (pending.length === 0) return;
    if (pending.length >= maxBatch) {
      clearTimeout(timer);
      timer = undefined;
      pump();
    } else {
      timer ??= setTimeout(() => {
        timer = undefined;
        pump();
      }, lingerMs);
    }
  }

  return {
    record(input: AccountResultInput): Promise<AccountResultRecord> {
      return new Promise((resolve, reject) => {
        pending.push({ input, resolve, reject });
        schedule();
      });
    },
  };
}

export type AccountResultsBatcher = ReturnType<typeof createAccountResultsBatcher>;
