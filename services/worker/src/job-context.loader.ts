import { type AccountJobContext, createRepositories, type Db } from '@rootwatch/db';

type ReadContexts = (input: {
  runId: string;
  orgId: string;
  accountIds: string[];
}) => Promise<Map<string, AccountJobContext> | null>;

export interface JobContextLoader {
  /** The account job's context (null when the run does not exist), read together with the others asked for now. */
  load(input: { runId: string; orgId: string; accountId: string }): Promise<AccountJobContext | null>;
}

interface Waiter {
  resolve(context: AccountJobContext | null): void;
  reject(error: unknown): void;
}

/**
 * Reads the context of the account jobs that start together in one statement per run: the dispatcher
 * starts up to its concurrency of account jobs at once, and a statement each was the largest part of
 * the database's work in a one-shot scan. Calls made in the same turn of the event loop share a read,
 * so a context is never older than the moment its job asked for it.
 */
export function createJobContextLoader({
  db,
  read = createRepositories({ db }).scanRuns.accountJobContexts,
}: {
  db: Db;
  /** The batched read (tests count its calls). */
  read?: ReadContexts;
}): JobContextLoader {
  const groups = new Map<string, { runId: string; orgId: string; waiters: Map<string, Waiter[]> }>();
  let scheduled = false;

  async function readGroup(group: { runId: string; orgId: string; waiters: Map<string, Waiter[]> }) {
    try {
      const contexts = await read({
        runId: group.runId,
        orgId: group.orgId,
        accountIds: [...group.waiters.keys()],
      });
      for (const [accountId, waiters] of group.waiters) {
        for (const w of waiters) w.resolve(contexts?.get(accountId) ?? null);
      }
    } catch (error) {
      for (const waiters of group.waiters.values()) for (const w of waiters) w.reject(error);
    }
  }

  function flush() {
    scheduled = false;
    const batch = [...groups.values()];
    groups.clear();
    for (const group of batch) void readGroup(group);
  }

  return {
    load({ runId, orgId, accountId }) {
      return new Promise((resolve, reject) => {
        const key = `${runId}\0${orgId}`;
        let group = groups.get(key);
        if (!group) {
          group = { runId, orgId, waiters: new Map() };
          groups.set(key, group);
        }
        const waiters = group.waiters.get(accountId) ?? [];
        waiters.push({ resolve, reject });
        group.waiters.set(accountId, waiters);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
