import {
  type ControlResult,
  decideFinding,
  diffObservations,
  type Observation,
  type PostureFacts,
  postureFingerprint,
} from '@rootwatch/core';
import {
  AccountNotFoundError,
  createAccountResultsRepository,
  createRepositories,
  type Db,
  type DriftEventInput,
  databaseNow,
  decideVersion,
  type Finding,
  type OpenFindingInput,
  type PostureVersion,
  type ScanOutcome,
  scanRunAwaitsFinalization,
  withTransaction,
} from '@rootwatch/db';

export type RecordedOutcome = Exclude<ScanOutcome, 'skipped'>;

export interface AccountResultInput {
  runId: string;
  orgId: string;
  accountId: string;
  outcome: RecordedOutcome;
  observation: Observation;
  errorCode?: string | null;
  errorMessage?: string | null;
  durationMs?: number | null;
  /** When the run started (discovery listed the account then): moves the account's last_seen_at. */
  runStartedAt?: Date | null;
  /** The account's tags, when its job read them. */
  tags?: Record<string, string>;
}

export type AccountResultRecord =
  /** Written now; `runComplete` = this was the run's last account (enqueue finalization). */
  | {
      written: true;
      version: 'created' | 'changed' | 'unchanged' | 'stale';
      driftEvents: number;
      findingsOpened: number;
      findingsResolved: number;
      runComplete: boolean;
    }
  /** Nothing written: the run × account row already exists (a retried job) or the run is not running. */
  | { written: false; reason: 'duplicate' | 'run_not_running'; runComplete: boolean };

/** Stored shape of posture_versions.results: one entry per control id. */
export type StoredResults = Record<string, Omit<ControlResult, 'controlId'>>;

export function toStoredResults(results: ControlResult[]): StoredResults {
  const stored: StoredResults = {};
  for (const { controlId, ...rest } of results) stored[controlId] = rest;
  return stored;
}

export function observationOfVersion(version: PostureVersion): Observation {
  const results = Object.entries(version.results as StoredResults).map(
    ([controlId, r]) => ({ controlId, ...r }) as ControlResult,
  );
  return {
    observedAt: version.lastObservedAt.toISOString(),
    facts: version.facts as unknown as PostureFacts,
    results,
  };
}

type Written =
  | Omit<Extract<AccountResultRecord, { written: true }>, 'runComplete'>
  | { written: false; reason: 'duplicate' };

// Thrown inside the transaction to roll it back: the run stopped running (failed by recovery, say).
class RunNotRunning extends Error {}

/**
 * Writes the results of several accounts (distinct ids) in ONE transaction: per account the account-scan
 * row (the idempotency gate), the type-2 posture version, control states, findings, drift events, the
 * account's last outcome and the run counters — with about a dozen statements for the whole batch.
 * Every account's row is locked first, so the "already recorded?" check cannot race a retried job.
 */
async function writeResults(db: Db, inputs: AccountResultInput[]): Promise<Written[]> {
  return withTransaction(db, async (tx) => {
    const store = createAccountResultsRepository({ db: tx });
    const repos = createRepositories({ db: tx });
    const ids = inputs.map((i) => i.accountId);
    const locked = new Set(await store.lockAccounts(ids));
    const missing = ids.find((id) => !locked.has(id));
    if (missing !== undefined) throw new AccountNotFoundError(missing);

    const recorded = await store.recorded(inputs.map(({ runId, accountId }) => ({ runId, accountId })));
    const fresh = inputs.filter((i) => !recorded.has(`${i.runId}/${i.accountId}`));
    const current = await store.currentVersions(fresh.map((i) => i.accountId));
    // "Is this observation newer" follows the runs, not the worker's clock. An org has one active run at a
    // time and a run no longer running writes nothing (the count below rolls the batch back), so whatever
    // passes the gate above comes from a later run than the one that wrote the current version: it is
    // placed after that version even when its worker's clock is behind (which made a change look stale and
    // dropped it). observedAt stays on the account-scan row as the worker's evidence.
    const plans = fresh.map((input) => {
      const { facts, results } = input.observation;
      const fingerprint = postureFingerprint(facts, results);
      const previous = current.get(input.accountId) ?? null;
      const evidence = new Date(input.observation.observedAt);
      const at = previous
        ? new Date(Math.max(evidence.getTime(), previous.lastObservedAt.getTime() + 1))
        : evidence;
      return {
        input,
        observedAt: at,
        evidenceObservedAt: evidence,
        fingerprint,
        previous,
        decision: decideVersion(previous, fingerprint, at),
      };
    });
    const isNew = (p: (typeof plans)[number]) => p.decision === 'created' || p.decision === 'changed';
    const newVersions = plans.filter(isNew);
    // What the changed accounts' drift is computed against (unchanged ones never need it).
    const replaced = await store.versionContents(
      plans.filter((p) => p.decision === 'changed').map((p) => p.previous!.id),
    );

    // Before the inserts: a replaced version must stop being current first (one current per account).
    await store.updateCurrentVersions(
      plans
        .filter((p) => p.decision === 'touched' || p.decision === 'changed')
        .map((p) =>
          p.decision === 'touched'
            ? { id: p.previous!.id, lastObservedAt: p.observedAt }
            : { id: p.previous!.id, supersededAt: p.observedAt },
        ),
    );
    const created = new Map(
      (
        await store.insertVersions(
          newVersions.map((p) => ({
            accountId: p.input.accountId,
            facts: p.input.observation.facts as unknown as Record<string, unknown>,
            results: toStoredResults(p.input.observation.results),
            fingerprint: p.fingerprint,
            firstObservedAt: p.observedAt,
            lastObservedAt: p.observedAt,
            firstScanRunId: p.input.runId,
          })),
        )
      ).map((v) => [v.accountId, v]),
    );
    // Before the accounts' rows are updated: the foreign-key check of these rows then finds the account
    // rows this transaction already locked FOR UPDATE and needs no tuple lock (and WAL record) of its own.
    await store.insertAccountScans(
      plans.map((p) => ({
        scanRunId: p.input.runId,
        accountId: p.input.accountId,
        outcome: p.input.outcome,
        errorCode: p.input.errorCode ?? null,
        errorMessage: p.input.errorMessage ?? null,
        observedAt: p.evidenceObservedAt,
        durationMs: p.input.durationMs ?? null,
        postureVersionId: (created.get(p.input.accountId) ?? p.previous)!.id,
      })),
    );
    await store.recordOutcomes(
      plans.map((p) => ({
        accountId: p.input.accountId,
        outcome: p.input.outcome,
        observedAt: p.observedAt,
        seenAt: p.input.runStartedAt ?? null,
        currentPostureVersionId: created.get(p.input.accountId)?.id ?? null,
        tags: p.input.tags ?? null,
      })),
    );

    // An unchanged re-scan leaves control states as they are: same statuses, fewer bytes written.
    await repos.controlStates.upsertMany({
      states: newVersions.flatMap((p) =>
        p.input.observation.results.map((r) => ({
          accountId: p.input.accountId,
          controlId: r.controlId,
          status: r.status,
          severity: r.severity,
          reason: r.reason,
          evidence: r.evidence,
          observedAt: p.observedAt,
          scanRunId: p.input.runId,
        })),
      ),
    });

    // Counted with the accounts' rows (exactly once), on one of the run's progress rows: never the run
    // row itself, which every account transaction of the scan would queue on. The count is also the
    // run-status check: a run no longer running rolls the whole batch back.
    const perRun = new Map<string, Record<RecordedOutcome, number>>();
    for (const { input } of plans) {
      const counts = perRun.get(input.runId) ?? { assessed: 0, unreachable: 0, error: 0 };
      counts[input.outcome] += 1;
      perRun.set(input.runId, counts);
    }
    for (const [runId, counts] of perRun) {
      const counted = await repos.scanRuns.increment({
        id: runId,
        assessed: counts.assessed,
        unreachable: counts.unreachable,
        errored: counts.error,
      });
      if (!counted) throw new RunNotRunning(runId);
    }

    // Feed writes (findings, drift) come last: they hold the global feed lock until COMMIT.
    const live = plans.filter((p) => p.decision !== 'stale');
    const openByAccount = new Map<string, Map<string, Finding>>();
    for (const f of await store.openFindings(live.map((p) => p.input.accountId))) {
      const open = openByAccount.get(f.accountId) ?? new Map<string, Finding>();
      open.set(f.controlId, f);
      openByAccount.set(f.accountId, open);
    }
    const toOpen: OpenFindingInput[] = [];
    const tally = new Map<string, { opened: number; resolved: number; drift: number }>();
    const drift: DriftEventInput[] = [];
    for (const p of live) {
      const { accountId } = p.input;
      const counts = { opened: 0, resolved: 0, drift: 0 };
      tally.set(accountId, counts);
      for (const result of p.input.observation.results) {
        const open = openByAccount.get(accountId)?.get(result.controlId) ?? null;
        switch (decideFinding(open, result)) {
          case 'open':
            toOpen.push({
              accountId,
              controlId: result.controlId,
              severity: result.severity,
              reason: result.reason,
              evidence: result.evidence,
              openedAt: p.observedAt,
            });
            counts.opened++;
            break;
          case 'resolve':
            if (
              await repos.findings.resolve({ id: open!.id, resolvedAt: p.observedAt, reason: result.reason })
            ) {
              counts.resolved++;
            }
            break;
          case 'keep':
            // Still failing with a changed posture: refresh evidence and last_seen_at. An unchanged
            // re-scan leaves the finding alone (the version's last_observed_at already says it was
            // seen), which keeps an unchanged re-scan's writes small; UNKNOWN never touches it.
            if (result.status === 'FAIL' && isNew(p)) {
              await repos.findings.keep({
                id: open!.id,
                seenAt: p.observedAt,
                severity: result.severity,
                reason: result.reason,
                evidence: result.evidence,
              });
            }
            break;
          case 'none':
            break;
        }
      }
      if (p.decision === 'changed') {
        const previous = { ...p.previous!, ...replaced.get(p.previous!.id)! };
        // In run order: diffObservations ignores a "next" observed before "previous".
        const events = diffObservations(observationOfVersion(previous), {
          ...p.input.observation,
          observedAt: p.observedAt.toISOString(),
        });
        counts.drift = events.length;
        for (const e of events) {
          drift.push({
            orgId: p.input.orgId,
            accountId: e.accountId,
            kind: e.kind,
            controlId: e.controlId,
            field: e.field,
            from: e.from,
            to: e.to,
            severity: e.severity,
            scanRunId: p.input.runId,
          });
        }
      }
    }
    // One statement for the batch; a finding that opens under a live exception is born suppressed by it
    // (the lookup is part of the insert: no query per finding, see findings.repository openMany).
    await repos.findings.openMany({ findings: toOpen });
    await repos.driftEvents.insertMany({ events: drift });

    const byAccount = new Map(plans.map((p) => [p.input.accountId, p]));
    return inputs.map((input): Written => {
      const p = byAccount.get(input.accountId);
      if (!p) return { written: false, reason: 'duplicate' };
      const counts = tally.get(input.accountId) ?? { opened: 0, resolved: 0, drift: 0 };
      return {
        written: true,
        version: p.decision === 'touched' ? 'unchanged' : p.decision,
        driftEvents: counts.drift,
        findingsOpened: counts.opened,
        findingsResolved: counts.resolved,
      };
    });
  });
}

export interface AccountResultRecorderOptions {
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
 * Records account results, several per transaction: what a worker process finishes within `lingerMs`
 * is written together. A batch that fails is retried one account per transaction, so one bad result
 * never fails the others; a single account's failure rejects its own record() only (its job retries).
 */
export function createAccountResultRecorder({
  db,
  maxBatch = 50,
  // A batch costs about a dozen statements whatever its size: at a worker's ~50 accounts/s, 40 ms made
  // batches of two (six statements per account, each built, sent and answered), 150 ms makes them ~8.
  // An account job is ~2 s of AWS waits; 150 ms more keeps AssumeRole's rate within the concurrency.
  lingerMs = 150,
  maxInFlight = 2,
}: AccountResultRecorderOptions) {
  const readRepos = createRepositories({ db });
  const pending: Pending[] = [];
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const runComplete = async (runId: string) =>
    scanRunAwaitsFinalization(await readRepos.scanRuns.get({ id: runId }));

  async function settle(batch: Pending[], written: Written[]): Promise<void> {
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
      await settle([item], await writeResults(db, [item.input]));
    } catch (error) {
      if (error instanceof RunNotRunning)
        item.resolve({ written: false, reason: 'run_not_running', runComplete: false });
      else item.reject(error);
    }
  }

  async function flush(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return writeAlone(batch[0]!);
    let written: Written[];
    try {
      written = await writeResults(
        db,
        batch.map((b) => b.input),
      );
    } catch {
      for (const item of batch) await writeAlone(item);
      return;
    }
    await settle(batch, written).catch((error: unknown) => {
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

export type AccountResultRecorder = ReturnType<typeof createAccountResultRecorder>;

export interface JobFailure {
  accountId: string;
  /** `job_failed` (failed past every retry) or `job_lost` (lost from the queue too often). */
  code: string;
  message: string;
}

/**
 * Records accounts whose jobs will never record them (failed for good, or lost from the queue past the
 * last generation) as `error` with the reason, without a posture: their last known posture stays current.
 * Under the same account locks and gate as writeResults, so a job that records the account at the same
 * moment wins or loses cleanly and the account is counted exactly once. Nothing is written (and
 * `recorded` is empty) when the run is no longer running.
 */
export async function recordJobFailures(
  db: Db,
  { runId, failures }: { runId: string; failures: JobFailure[] },
): Promise<{ recorded: string[]; runComplete: boolean }> {
  if (failures.length === 0) return { recorded: [], runComplete: false };
  let recorded: string[] = [];
  try {
    recorded = await withTransaction(db, async (tx) => {
      const store = createAccountResultsRepository({ db: tx });
      const locked = new Set(await store.lockAccounts(failures.map((f) => f.accountId)));
      const done = await store.recorded(failures.map((f) => ({ runId, accountId: f.accountId })));
      const fresh = failures.filter((f) => locked.has(f.accountId) && !done.has(`${runId}/${f.accountId}`));
      if (fresh.length === 0) return [];
      const at = await databaseNow(tx);
      await store.insertAccountScans(
        fresh.map((f) => ({
          scanRunId: runId,
          accountId: f.accountId,
          outcome: 'error' as const,
          errorCode: f.code,
          errorMessage: f.message.slice(0, 1000),
          observedAt: at,
          durationMs: null,
          postureVersionId: null,
        })),
      );
      await store.recordOutcomes(
        fresh.map((f) => ({
          accountId: f.accountId,
          outcome: 'error' as const,
          observedAt: at,
          seenAt: null,
          currentPostureVersionId: null,
          tags: null,
        })),
      );
      const counted = await createRepositories({ db: tx }).scanRuns.increment({
        id: runId,
        errored: fresh.length,
      });
      if (!counted) throw new RunNotRunning(runId);
      return fresh.map((f) => f.accountId);
    });
  } catch (error) {
    if (error instanceof RunNotRunning) return { recorded: [], runComplete: false };
    throw error;
  }
  const run = await createRepositories({ db }).scanRuns.get({ id: runId });
  return { recorded, runComplete: scanRunAwaitsFinalization(run) };
}
