import type { OrgConfig } from '@rootwatch/config';
import { type AccountRef, diffAccounts, isAssessable, scanRunAwaitsFinalization } from '@rootwatch/core';
import { type Account, createRepositories, type Db, withTransaction } from '@rootwatch/db';
import { accountJob, finalizeJob, type ScanHandler } from '@rootwatch/queue';
import type { Logger } from 'pino';
import { sourceErrorOf } from './scan-errors';
import type { ScanObserver } from './scan-observer';
import type { ScanSource } from './scan-source';

export interface ScanStartDeps {
  db: Db;
  source: ScanSource;
  orgConfig(orgId: string): OrgConfig | undefined;
  logger: Logger;
  observer?: ScanObserver;
}

class RunAlreadyStarted extends Error {}

/**
 * Discovery: upserts accounts and the organization, records added / removed / state-changed
 * accounts as drift, records non-active accounts as skipped, then enqueues one account job per
 * active account. Safe to run again: a run already started only re-enqueues (same job ids).
 */
export function createScanStartHandler({
  db,
  source,
  orgConfig,
  logger,
  observer,
}: ScanStartDeps): ScanHandler<'scan.start'> {
  const repos = createRepositories({ db });

  return async (payload, context) => {
    const { runId, orgId } = payload;
    const log = logger.child({ runId, orgId, job: 'scan.start' });
    const run = await repos.scanRuns.get({ id: runId });
    if (!run || (run.status !== 'queued' && run.status !== 'running')) {
      log.info({ status: run?.status ?? null }, 'scan run is not active; nothing to start');
      return;
    }
    const org = orgConfig(orgId);
    if (!org) {
      await repos.scanRuns.fail({
        id: runId,
        errorCode: 'org_not_configured',
        errorMessage: `organization ${orgId} is not in the configuration`,
      });
      observer?.runFinished?.({ orgId, runId, status: 'failed' });
      return;
    }

    if (run.status === 'queued') {
      let discovered: Awaited<ReturnType<ScanSource['discover']>>;
      try {
        discovered = await source.discover({ runId, org });
      } catch (error) {
        const failure = sourceErrorOf(error);
        if (failure.retryable && !context.isFinalAttempt) throw error;
        await repos.scanRuns.fail({
          id: runId,
          errorCode: `discovery.${failure.code}`,
          errorMessage: failure.message,
        });
        observer?.runFinished?.({ orgId, runId, status: 'failed' });
        log.error({ code: failure.code, kind: failure.kind }, 'discovery failed; scan run failed');
        return;
      }

      const seenAt = new Date();
      try {
        await withTransaction(db, async (tx) => {
          const r = createRepositories({ db: tx });
          await r.organizations.upsert({
            id: orgId,
            managementAccountId: discovered.managementAccountId,
            features: discovered.features,
            scpEnabled: discovered.scpEnabled,
            seenAt,
          });
          const change = await r.accounts.upsertFromDiscovery({
            orgId,
            accounts: discovered.accounts,
            seenAt,
          });
          const removed = await r.accounts.markRemoved({
            orgId,
            presentIds: discovered.accounts.map((a) => a.id),
            removedAt: seenAt,
          });
          const ref = (a: Account): AccountRef => ({ id: a.id, state: a.state });
          const before = [...change.changed.map((c) => ref(c.before)), ...removed.map(ref)];
          const after = [...change.added.map(ref), ...change.changed.map((c) => ref(c.after))];
          const drift = diffAccounts(before, after);
          await r.driftEvents.insertMany({
            events: drift.map((e) => ({
              orgId,
              accountId: e.accountId,
              kind: e.kind,
              field: e.kind === 'account_state_changed' ? 'state' : null,
              from: e.from,
              to: e.to,
              severity: e.severity,
              scanRunId: runId,
            })),
          });
          const started = await r.scanRuns.start({
            id: runId,
            total: discovered.accounts.length,
            startedAt: seenAt,
          });
          if (!started) throw new RunAlreadyStarted();

          const skipped = discovered.accounts.filter((a) => !isAssessable(a));
          for (const account of skipped) {
            const inserted = await r.accountScans.insert({
              scanRunId: runId,
              accountId: account.id,
              outcome: 'skipped',
              errorCode: `account_${account.state.toLowerCase()}`,
              observedAt: seenAt,
            });
            if (inserted)
              await r.accounts.recordOutcome({
                accountId: account.id,
                outcome: 'skipped',
                observedAt: seenAt,
                seenAt,
              });
          }
          if (skipped.length > 0) await r.scanRuns.increment({ id: runId, skipped: skipped.length });
          log.info(
            {
              accounts: discovered.accounts.length,
              skipped: skipped.length,
              added: change.added.length,
              removed: removed.length,
              drift: drift.length,
            },
            'organization discovered',
          );
          for (const _ of skipped) {
            observer?.accountRecorded?.({ orgId, outcome: 'skipped', durationMs: 0, duplicate: false });
          }
        });
      } catch (error) {
        // Another attempt of this job started the run first; carry on with enqueueing below.
        if (!(error instanceof RunAlreadyStarted)) throw error;
      }
    } else {
      // A re-driven run (retry, lost queue): the account jobs need this run's org-side facts again.
      await source.prepare({ runId, org });
    }

    // Only accounts not yet recorded: a re-driven run (lost queue) does not re-run finished accounts. The
    // jobs carry this start job's generation, so a re-drive's ids never collide with dead jobs' ids.
    const generation = payload.generation ?? 1;
    const pending = await repos.scanRuns.unrecordedAccounts({ runId, orgId });
    await context.enqueue(pending.map((accountId) => accountJob({ runId, orgId, accountId, generation })));

    // A run without active accounts (or whose accounts were all recorded before a retry) finishes here.
    if (scanRunAwaitsFinalization(await repos.scanRuns.get({ id: runId }))) {
      await context.enqueue([finalizeJob({ runId, orgId, generation })]);
    }
  };
}
