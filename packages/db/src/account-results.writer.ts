import {
  type AccountResultsPlan,
  isNewVersion,
  type Observation,
  observationOfStored,
  planAccountResults,
  planVersion,
  type RecordedOutcome,
  scanRunAwaitsFinalization,
  toStoredResults,
  type VersionPlan,
} from '@rootwatch/core';
import {
  type AccountResultsStatements,
  type CurrentVersion,
  createAccountResultsStatements,
} from './account-results.statements';
import type { Db } from './database';
import { AccountNotFoundError } from './posture.repository';
import { createRepositories, type Repositories } from './repositories';
import { databaseNow, withTransaction } from './transaction';

/** One account's result in a run, as its job produced it. */
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

/** What writing one account's result did; `duplicate`: its run × account row already existed (a retried job). */
export type AccountResultWritten =
  | {
      written: true;
      version: 'created' | 'changed' | 'unchanged' | 'stale';
      driftEvents: number;
      findingsOpened: number;
      findingsResolved: number;
    }
  | { written: false; reason: 'duplicate' };

/** The batch's results in input order, or nothing written because a run of the batch is not running. */
export type AccountResultsWrite =
  | { runRunning: true; accounts: AccountResultWritten[] }
  | { runRunning: false };

// Thrown inside the transaction to roll it back: the run stopped running (failed by recovery, say).
class RunNotRunning extends Error {}

type FindingId = number;

interface AccountPlan {
  input: AccountResultInput;
  previous: CurrentVersion | null;
  plan: AccountResultsPlan<FindingId>;
}

interface BatchTx {
  statements: AccountResultsStatements;
  repos: Repositories;
}

/**
 * Writes the results of several accounts (distinct ids) in ONE transaction: per account the account-scan
 * row (the idempotency gate), the type-2 posture version, control states, findings, drift events, the
 * account's last outcome and the run counters — with about a dozen statements for the whole batch. What to
 * write is decided by core's planAccountResults; this applies the plans. Every account's row is locked
 * first, so the "already recorded?" check cannot race a retried job. Throws AccountNotFoundError (nothing
 * written) when an account is not known.
 */
export async function writeAccountResults(
  db: Db,
  inputs: AccountResultInput[],
): Promise<AccountResultsWrite> {
  try {
    const accounts = await withTransaction(db, async (tx) => {
      const batch = {
        statements: createAccountResultsStatements({ db: tx }),
        repos: createRepositories({ db: tx }),
      };
      await lockKnownAccounts(
        batch,
        inputs.map((i) => i.accountId),
      );
      const fresh = await notYetRecorded(batch, inputs);
      const plans = await planBatch(batch, fresh);
      const newVersionIds = await writeVersions(batch, plans);
      await writeAccountScans(batch, plans, newVersionIds);
      await writeControlStates(batch, plans);
      await countOutcomes(batch, plans);
      // Feed writes (findings, drift) come last: they hold the global feed lock until COMMIT.
      const resolved = await writeFindings(batch, plans);
      await writeDrift(batch, plans);
      return summarize(inputs, plans, resolved);
    });
    return { runRunning: true, accounts };
  } catch (error) {
    if (error instanceof RunNotRunning) return { runRunning: false };
    throw error;
  }
}

/** Locks the accounts' rows (in id order: concurrent batches never deadlock); every one must exist. */
async function lockKnownAccounts({ statements }: BatchTx, ids: string[]): Promise<void> {
  const locked = new Set(await statements.lockAccounts(ids));
  const missing = ids.find((id) => !locked.has(id));
  if (missing !== undefined) throw new AccountNotFoundError(missing);
}

/** The inputs whose run × account row does not exist yet (the others are retried jobs: duplicates). */
async function notYetRecorded<T extends { runId: string; accountId: string }>(
  { statements }: BatchTx,
  inputs: T[],
): Promise<T[]> {
  const recorded = await statements.recorded(inputs.map(({ runId, accountId }) => ({ runId, accountId })));
  return inputs.filter((i) => !recorded.has(`${i.runId}/${i.accountId}`));
}

/**
 * Reads what the plans depend on and makes them: the current versions (without contents), the contents of
 * the versions a changed posture replaces (drift is computed against them) and the open findings.
 */
async function planBatch({ statements }: BatchTx, inputs: AccountResultInput[]): Promise<AccountPlan[]> {
  const current = await statements.currentVersions(inputs.map((i) => i.accountId));
  const versions = inputs.map((input) => {
    const previous = current.get(input.accountId) ?? null;
    return { input, previous, version: planVersion(previous, input.observation) };
  });
  const replacedIds = versions.filter((v) => v.version.decision === 'changed').map((v) => v.previous!.id);
  const replaced = await statements.versionContents(replacedIds);
  const live = versions.filter((v) => v.version.decision !== 'stale').map((v) => v.input.accountId);
  const openFindings = await openFindingsByAccount(statements, live);
  return versions.map(({ input, previous, version }) => {
    const contents = previous ? replaced.get(previous.id) : undefined;
    const plan = planAccountResults(
      {
        version: previous,
        observation: previous && contents ? observationOfStored({ ...previous, ...contents }) : null,
        openFindings: openFindings.get(input.accountId) ?? new Map(),
      },
      input.observation,
      version,
    );
    return { input, previous, plan };
  });
}

async function openFindingsByAccount(
  statements: AccountResultsStatements,
  accountIds: string[],
): Promise<Map<string, Map<string, FindingId>>> {
  const byAccount = new Map<string, Map<string, FindingId>>();
  for (const f of await statements.openFindings(accountIds)) {
    const open = byAccount.get(f.accountId) ?? new Map<string, FindingId>();
    open.set(f.controlId, f.id);
    byAccount.set(f.accountId, open);
  }
  return byAccount;
}

const versionOf = (p: AccountPlan): VersionPlan => p.plan.version;
const writesVersion = (p: AccountPlan): boolean => isNewVersion(versionOf(p).decision);

/** Moves or supersedes the current versions, inserts the new ones; returns the new versions' ids by account. */
async function writeVersions({ statements }: BatchTx, plans: AccountPlan[]): Promise<Map<string, number>> {
  // Before the inserts: a replaced version must stop being current first (one current per account).
  await statements.updateCurrentVersions(
    plans.flatMap((p): Parameters<AccountResultsStatements['updateCurrentVersions']>[0] => {
      const { decision, observedAt } = versionOf(p);
      if (decision === 'touched') return [{ id: p.previous!.id, lastObservedAt: observedAt }];
      if (decision === 'changed') return [{ id: p.previous!.id, supersededAt: observedAt }];
      return [];
    }),
  );
  const created = await statements.insertVersions(
    plans.filter(writesVersion).map((p) => ({
      accountId: p.input.accountId,
      facts: p.input.observation.facts as unknown as Record<string, unknown>,
      results: toStoredResults(p.input.observation.results),
      fingerprint: versionOf(p).fingerprint,
      firstObservedAt: versionOf(p).observedAt,
      lastObservedAt: versionOf(p).observedAt,
      firstScanRunId: p.input.runId,
    })),
  );
  return new Map(created.map((v) => [v.accountId, v.id]));
}

/** The account-scan rows and each account's last outcome (and current version when one was created). */
async function writeAccountScans(
  { statements }: BatchTx,
  plans: AccountPlan[],
  newVersionIds: Map<string, number>,
): Promise<void> {
  // Before the accounts' rows are updated: the foreign-key check of these rows then finds the account
  // rows this transaction already locked FOR UPDATE and needs no tuple lock (and WAL record) of its own.
  await statements.insertAccountScans(
    plans.map((p) => ({
      scanRunId: p.input.runId,
      accountId: p.input.accountId,
      outcome: p.input.outcome,
      errorCode: p.input.errorCode ?? null,
      errorMessage: p.input.errorMessage ?? null,
      observedAt: versionOf(p).evidenceObservedAt,
      durationMs: p.input.durationMs ?? null,
      postureVersionId: newVersionIds.get(p.input.accountId) ?? p.previous!.id,
    })),
  );
  await statements.recordOutcomes(
    plans.map((p) => ({
      accountId: p.input.accountId,
      outcome: p.input.outcome,
      observedAt: versionOf(p).observedAt,
      seenAt: p.input.runStartedAt ?? null,
      currentPostureVersionId: newVersionIds.get(p.input.accountId) ?? null,
      tags: p.input.tags ?? null,
    })),
  );
}

/** The control states of new versions: an unchanged re-scan leaves them as they are (same statuses, fewer bytes). */
async function writeControlStates({ repos }: BatchTx, plans: AccountPlan[]): Promise<void> {
  await repos.controlStates.upsertMany({
    states: plans.filter(writesVersion).flatMap((p) =>
      p.input.observation.results.map((r) => ({
        accountId: p.input.accountId,
        controlId: r.controlId,
        status: r.status,
        severity: r.severity,
        reason: r.reason,
        evidence: r.evidence,
        observedAt: versionOf(p).observedAt,
        scanRunId: p.input.runId,
      })),
    ),
  });
}

/**
 * Counted with the accounts' rows (exactly once), on one of the run's progress rows: never the run row
 * itself, which every account transaction of the scan would queue on. The count is also the run-status
 * check: a run no longer running rolls the whole batch back.
 */
async function countOutcomes({ repos }: BatchTx, plans: AccountPlan[]): Promise<void> {
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
}

/** Resolves, refreshes and opens findings as planned; returns how many each account actually resolved. */
async function writeFindings({ repos }: BatchTx, plans: AccountPlan[]): Promise<Map<AccountPlan, number>> {
  const resolved = new Map<AccountPlan, number>();
  for (const p of plans) {
    const at = versionOf(p).observedAt;
    let n = 0;
    for (const { findingId, result } of p.plan.findings.resolve) {
      if (await repos.findings.resolve({ id: findingId, resolvedAt: at, reason: result.reason })) n++;
    }
    resolved.set(p, n);
    for (const { findingId, result } of p.plan.findings.keep) {
      await repos.findings.keep({
        id: findingId,
        seenAt: at,
        severity: result.severity,
        reason: result.reason,
        evidence: result.evidence,
      });
    }
  }
  // One statement for the batch; a finding that opens under a live exception is born suppressed by it
  // (the lookup is part of the insert: no query per finding, see findings.repository openMany).
  await repos.findings.openMany({
    findings: plans.flatMap((p) =>
      p.plan.findings.open.map((result) => ({
        accountId: p.input.accountId,
        controlId: result.controlId,
        severity: result.severity,
        reason: result.reason,
        evidence: result.evidence,
        openedAt: versionOf(p).observedAt,
      })),
    ),
  });
  return resolved;
}

async function writeDrift({ repos }: BatchTx, plans: AccountPlan[]): Promise<void> {
  await repos.driftEvents.insertMany({
    events: plans.flatMap((p) =>
      p.plan.drift.map((e) => ({
        orgId: p.input.orgId,
        accountId: e.accountId,
        kind: e.kind,
        controlId: e.controlId,
        field: e.field,
        from: e.from,
        to: e.to,
        severity: e.severity,
        scanRunId: p.input.runId,
      })),
    ),
  });
}

function summarize(
  inputs: AccountResultInput[],
  plans: AccountPlan[],
  resolved: Map<AccountPlan, number>,
): AccountResultWritten[] {
  const byAccount = new Map(plans.map((p) => [p.input.accountId, p]));
  return inputs.map((input): AccountResultWritten => {
    const p = byAccount.get(input.accountId);
    if (!p) return { written: false, reason: 'duplicate' };
    const { decision } = versionOf(p);
    return {
      written: true,
      version: decision === 'touched' ? 'unchanged' : decision,
      driftEvents: p.plan.drift.length,
      findingsOpened: p.plan.findings.open.length,
      findingsResolved: resolved.get(p) ?? 0,
    };
  });
}

export interface JobFailure {
  accountId: string;
  /** `job_failed` (failed past every retry) or `job_lost` (lost from the queue too often). */
  code: string;
  message: string;
}

/**
 * Records accounts whose jobs will never record them (failed for good, or lost from the queue past the
 * last generation) as `error` with the reason, without a posture: their last known posture stays current.
 * Under the same account locks and gate as writeAccountResults, so a job that records the account at the
 * same moment wins or loses cleanly and the account is counted exactly once. Nothing is written (and
 * `recorded` is empty) when the run is no longer running; `runComplete`: the run now awaits finalization.
 */
export async function recordJobFailures(
  db: Db,
  { runId, failures }: { runId: string; failures: JobFailure[] },
): Promise<{ recorded: string[]; runComplete: boolean }> {
  if (failures.length === 0) return { recorded: [], runComplete: false };
  let recorded: string[];
  try {
    recorded = await withTransaction(db, async (tx) => {
      const statements = createAccountResultsStatements({ db: tx });
      const locked = new Set(await statements.lockAccounts(failures.map((f) => f.accountId)));
      const batch = { statements, repos: createRepositories({ db: tx }) };
      const fresh = await notYetRecorded(
        batch,
        failures.filter((f) => locked.has(f.accountId)).map((f) => ({ ...f, runId })),
      );
      if (fresh.length === 0) return [];
      const at = await databaseNow(tx);
      await statements.insertAccountScans(
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
      await statements.recordOutcomes(
        fresh.map((f) => ({
          accountId: f.accountId,
          outcome: 'error' as const,
          observedAt: at,
          seenAt: null,
          currentPostureVersionId: null,
          tags: null,
        })),
      );
      if (!(await batch.repos.scanRuns.increment({ id: runId, errored: fresh.length })))
        throw new RunNotRunning(runId);
      return fresh.map((f) => f.accountId);
    });
  } catch (error) {
    if (error instanceof RunNotRunning) return { recorded: [], runComplete: false };
    throw error;
  }
  const run = await createRepositories({ db }).scanRuns.get({ id: runId });
  return { recorded, runComplete: scanRunAwaitsFinalization(run) };
}
