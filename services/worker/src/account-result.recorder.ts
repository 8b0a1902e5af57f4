import {
  type ControlResult,
  type DriftEvent,
  decideFinding,
  diffObservations,
  type Observation,
  type PostureFacts,
  postureFingerprint,
} from '@rootwatch/core';
import {
  createRepositories,
  type Db,
  type DriftEventInput,
  type PostureVersion,
  type ScanOutcome,
  type ScanRun,
  scanRunDone,
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

function isComplete(run: ScanRun | null): boolean {
  return run !== null && run.status === 'running' && scanRunDone(run) === run.total;
}

// Thrown inside the transaction to roll it back: a concurrent duplicate won the insert race, or the run
// stopped running.
class DuplicateAccountScan extends Error {}
class RunNotRunning extends Error {}

/**
 * Writes one account's result of one run in ONE transaction: the account-scan row (the
 * idempotency gate), the type-2 posture version, control states, findings, drift events,
 * the account's last outcome and the run counter. A retried job writes nothing twice.
 */
export function createAccountResultRecorder({ db }: { db: Db }) {
  const readRepos = createRepositories({ db });

  const runComplete = async (runId: string) => isComplete(await readRepos.scanRuns.get({ id: runId }));

  return {
    async record(input: AccountResultInput): Promise<AccountResultRecord> {
      const observedAt = new Date(input.observation.observedAt);
      try {
        const written = await withTransaction(db, async (tx) => {
          const repos = createRepositories({ db: tx });

          const { facts, results } = input.observation;
          const recorded = await repos.posture.recordObservation({
            accountId: input.accountId,
            observedAt,
            fingerprint: postureFingerprint(facts, results),
            facts: facts as unknown as Record<string, unknown>,
            results: toStoredResults(results),
            scanRunId: input.runId,
          });

          const inserted = await repos.accountScans.insert({
            scanRunId: input.runId,
            accountId: input.accountId,
            outcome: input.outcome,
            errorCode: input.errorCode ?? null,
            errorMessage: input.errorMessage ?? null,
            observedAt,
            durationMs: input.durationMs ?? null,
            postureVersionId: recorded.version.id,
          });
          if (!inserted) throw new DuplicateAccountScan();

          let drift: DriftEvent[] = [];
          let opened = 0;
          let resolved = 0;
          const fresh = recorded.outcome === 'created' || recorded.outcome === 'changed';
          if (fresh) {
            // An unchanged re-scan leaves control states as they are: same statuses, fewer bytes written.
            await repos.controlStates.upsertMany({
              states: results.map((r) => ({
                accountId: input.accountId,
                controlId: r.controlId,
                status: r.status,
                severity: r.severity,
                reason: r.reason,
                evidence: r.evidence,
                observedAt,
                scanRunId: input.runId,
              })),
            });
          }
          if (recorded.outcome === 'changed') {
            drift = diffObservations(observationOfVersion(recorded.previous), input.observation);
          }
          await repos.accounts.recordOutcome({
            accountId: input.accountId,
            outcome: input.outcome,
            observedAt,
            seenAt: input.runStartedAt ?? null,
          });

          // Counted with the account's row (exactly once), on one of the run's progress rows: never
          // the run row itself, which every account transaction of the scan would queue on. The count
          // is also the run-status check: a run no longer running (failed by recovery) rolls all back.
          if (!(await repos.scanRuns.count({ id: input.runId, outcome: input.outcome }))) {
            throw new RunNotRunning();
          }

          // Feed writes (findings, drift) come last: they hold the global feed lock until COMMIT.
          if (recorded.outcome !== 'stale') {
            const toOpen: Parameters<typeof repos.findings.openMany>[0]['findings'] = [];
            const open = new Map(
              (await repos.findings.listOpenForAccount({ accountId: input.accountId })).map((f) => [
                f.controlId,
                f,
              ]),
            );
            for (const result of results) {
              const current = open.get(result.controlId) ?? null;
              switch (decideFinding(current, result)) {
                case 'open':
                  toOpen.push({
                    accountId: input.accountId,
                    controlId: result.controlId,
                    severity: result.severity,
                    reason: result.reason,
                    evidence: result.evidence,
                    openedAt: observedAt,
                  });
                  break;
                case 'resolve':
                  if (
                    await repos.findings.resolve({
                      id: current!.id,
                      resolvedAt: observedAt,
                      reason: result.reason,
                    })
                  ) {
                    resolved++;
                  }
                  break;
                case 'keep':
                  // Still failing with a changed posture: refresh evidence and last_seen_at. An unchanged
                  // re-scan leaves the finding alone (the version's last_observed_at already says it was
                  // seen), which keeps an unchanged re-scan's writes small; UNKNOWN never touches it.
                  if (result.status === 'FAIL' && fresh) {
                    await repos.findings.keep({
                      id: current!.id,
                      seenAt: observedAt,
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
            opened += await repos.findings.openMany({ findings: toOpen });
          }

          if (drift.length > 0) {
            await repos.driftEvents.insertMany({
              events: drift.map(
                (e): DriftEventInput => ({
                  orgId: input.orgId,
                  accountId: e.accountId,
                  kind: e.kind,
                  controlId: e.controlId,
                  field: e.field,
                  from: e.from,
                  to: e.to,
                  severity: e.severity,
                  scanRunId: input.runId,
                }),
              ),
            });
          }
          return {
            written: true,
            version: recorded.outcome,
            driftEvents: drift.length,
            findingsOpened: opened,
            findingsResolved: resolved,
          } as const;
        });
        // Read after COMMIT: of the accounts committing last, at least the very last sees every count.
        return { ...written, runComplete: await runComplete(input.runId) };
      } catch (error) {
        if (error instanceof RunNotRunning)
          return { written: false, reason: 'run_not_running', runComplete: false };
        if (error instanceof DuplicateAccountScan) {
          return { written: false, reason: 'duplicate', runComplete: await runComplete(input.runId) };
        }
        throw error;
      }
    },
  };
}

export type AccountResultRecorder = ReturnType<typeof createAccountResultRecorder>;
