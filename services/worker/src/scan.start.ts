import type { OrgConfig } from '@rootwatch/config';
import { type AccountRef, diffAccounts, isAssessable, scanRunAwaitsFinalization } from '@rootwatch/core';
import {
  type Account,
  type AccountState,
  createRepositories,
  type Db,
  type DiscoveredAccount,
  type ScanRun,
  scanRunDiscovering,
  withTransaction,
} from '@rootwatch/db';
import { accountJob, finalizeJob, type ScanHandler, type ScanJobContext } from '@rootwatch/queue';
import type { Logger } from 'pino';
import { sourceErrorOf } from './scan-errors';
import type { ScanObserver } from './scan-observer';
import type { DiscoveredOrganization, ScanSource } from './scan-source';

export interface ScanStartDeps {
  db: Db;
  source: ScanSource;
  orgConfig(orgId: string): OrgConfig | undefined;
  logger: Logger;
  observer?: ScanObserver;
}

class RunAlreadyStarted extends Error {}

type Repositories = ReturnType<typeof createRepositories>;

/**
 * Starts a queued run and enqueues its account jobs. An org-wide run discovers the organization, starting
 * each page of accounts as it is listed: it upserts accounts and the organization and records added /
 * removed / state-changed accounts as drift.
 * A scoped run (scan_runs.account_ids: a rescan after root activity or a remediation) starts from the
 * stored rows of its accounts and touches no other account. Either records non-active accounts as skipped.
 * Safe to run again: a run whose walk did not finish walks again (accounts and skips are recorded once); a
 * run already started otherwise only re-enqueues (same job ids).
 */
export function createScanStartHandler(deps: ScanStartDeps): ScanHandler<'scan.start'> {
  const { db, source, logger } = deps;
  const repos = createRepositories({ db });
  const steps = scanStartSteps(deps, repos);

  return async (payload, context) => {
    const { runId, orgId } = payload;
    const log = logger.child({ runId, orgId, job: 'scan.start' });
    const run = await steps.activeRun(runId, log);
    if (!run) return;
    const org = await steps.configuredOrg(run);
    if (!org) return;

    const generation = payload.generation ?? 1;
    if (!run.accountIds && (run.status === 'queued' || scanRunDiscovering(run))) {
      // A run whose walk did not finish (this job failed mid-walk, or was lost) walks again: its total is
      // only known once every account is listed. The walk enqueued every account's job already.
      if (await steps.discoverAndStart(run, org, generation, context, log))
        await steps.finalizeIfDone(payload, context);
      return;
    }
    if (run.status === 'queued') {
      if (!(await steps.startScoped(run, run.accountIds ?? [], org, context, log))) return;
    } else {
      // A re-driven run (retry, lost queue): the account jobs need this run's org-side facts again (for a
      // scoped run, the organization-wide ones only, as when it started).
      await source.prepare({ runId, org, scoped: run.accountIds !== null });
    }
    await steps.enqueuePending(payload, context);
  };
}

/** The named steps of scan.start (issue 15): each reads or writes one thing, in this order. */
function scanStartSteps({ db, source, orgConfig, observer }: ScanStartDeps, repos: Repositories) {
  /** Fails the run for a reason found before any account was read. */
  async function failRun(run: ScanRun, errorCode: string, errorMessage: string) {
    await repos.scanRuns.fail({ id: run.id, errorCode, errorMessage });
    observer?.runFinished?.({ orgId: run.orgId, runId: run.id, status: 'failed' });
  }

  /**
   * The org-side facts (SCPs of the parents, …) the account jobs evaluate with, or the run failed: a
   * discovery error is retried while attempts remain, then ends the run with `discovery.<code>`.
   */
  async function withDiscovery<T>(
    run: ScanRun,
    context: ScanJobContext,
    log: Logger,
    read: () => Promise<T>,
  ): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      const failure = sourceErrorOf(error);
      if (failure.retryable && !context.isFinalAttempt) throw error;
      await failRun(run, `discovery.${failure.code}`, failure.message);
      log.error({ code: failure.code, kind: failure.kind }, 'discovery failed; scan run failed');
      return null;
    }
  }

  /** Records the run's non-active accounts as skipped (not assessable: suspended, closed, …). */
  async function recordSkipped(
    r: Repositories,
    run: ScanRun,
    accounts: readonly { id: string; state: AccountState }[],
    seenAt: Date,
  ): Promise<number> {
    const skipped = accounts.filter((a) => !isAssessable(a));
    // Counted once: a walk started again after a failure lists the accounts an earlier attempt recorded.
    let recorded = 0;
    for (const account of skipped) {
      const inserted = await r.accountScans.insert({
        scanRunId: run.id,
        accountId: account.id,
        outcome: 'skipped',
        errorCode: `account_${account.state.toLowerCase()}`,
        observedAt: seenAt,
      });
      if (!inserted) continue;
      recorded++;
      await r.accounts.recordOutcome({
        accountId: account.id,
        outcome: 'skipped',
        observedAt: seenAt,
        seenAt,
      });
    }
    if (recorded > 0) await r.scanRuns.increment({ id: run.id, skipped: recorded });
    return recorded;
  }

  /** Records account drift found by this run. */
  async function insertDrift(r: Repositories, run: ScanRun, drift: ReturnType<typeof diffAccounts>) {
    if (drift.length === 0) return;
    await r.driftEvents.insertMany({
      events: drift.map((e) => ({
        orgId: run.orgId,
        accountId: e.accountId,
        kind: e.kind,
        field: e.kind === 'account_state_changed' ? 'state' : null,
        from: e.from,
        to: e.to,
        severity: e.severity,
        scanRunId: run.id,
      })),
    });
  }

  /** Moves the run to running with its account count; another attempt of this job may have done it. */
  async function markStarted(r: Repositories, run: ScanRun, total: number, startedAt: Date) {
    if (!(await r.scanRuns.start({ id: run.id, total, startedAt }))) throw new RunAlreadyStarted();
  }

  /** Another attempt of this job started the run first; enqueueing carries on. */
  async function unlessAlreadyStarted(work: () => Promise<void>) {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof RunAlreadyStarted)) throw error;
    }
  }

  return {
    /** The run, when it is still to be started or driven; null (logged) otherwise. */
    async activeRun(runId: string, log: Logger): Promise<ScanRun | null> {
      const run = await repos.scanRuns.get({ id: runId });
      if (!run || (run.status !== 'queued' && run.status !== 'running')) {
        log.info({ status: run?.status ?? null }, 'scan run is not active; nothing to start');
        return null;
      }
      return run;
    },

    /** The run's organization as configured; an unknown one fails the run. */
    async configuredOrg(run: ScanRun): Promise<OrgConfig | null> {
      const org = orgConfig(run.orgId);
      if (!org)
        await failRun(run, 'org_not_configured', `organization ${run.orgId} is not in the configuration`);
      return org ?? null;
    },

    /**
     * Org-wide: discovers the organization and starts each page of accounts as the walk lists it (issue 14):
     * the organization row and the run's start first, then per page, in one transaction, its accounts
     * upserted, their drift (added, state changed) and its skipped accounts, then its account jobs. The
     * run's total holds one unit back until the walk ends, so it cannot finalize early; then the absent
     * accounts are marked removed (with their drift) and the total is set.
     */
    async discoverAndStart(
      run: ScanRun,
      org: OrgConfig,
      generation: number,
      context: ScanJobContext,
      log: Logger,
    ): Promise<boolean> {
      const orgId = run.orgId;
      const seenAt = run.startedAt ?? new Date();
      const listed = new Set<string>();
      const counts = { added: 0, changed: 0, skipped: 0 };
      let organizationStarted = false;

      const organization = async (found: Omit<DiscoveredOrganization, 'accounts'>) => {
        await withTransaction(db, async (tx) => {
          const r = createRepositories({ db: tx });
          await r.organizations.upsert({
            id: orgId,
            managementAccountId: found.managementAccountId,
            features: found.features,
            scpEnabled: found.scpEnabled,
            seenAt,
          });
          // Already running: an earlier attempt started it and its walk did not finish.
          await r.scanRuns.startDiscovering({
            id: run.id,
            expected: await r.accounts.countPresent({ orgId }),
            startedAt: seenAt,
          });
        });
        organizationStarted = true;
      };

      const accounts = async (page: DiscoveredAccount[]) => {
        const fresh = page.filter((a) => !listed.has(a.id));
        if (fresh.length === 0) return;
        for (const a of fresh) listed.add(a.id);
        const skipped = await withTransaction(db, async (tx) => {
          const r = createRepositories({ db: tx });
          const change = await r.accounts.upsertFromDiscovery({ orgId, accounts: fresh, seenAt });
          const ref = (a: Account): AccountRef => ({ id: a.id, state: a.state });
          await insertDrift(
            r,
            run,
            diffAccounts(
              change.changed.map((c) => ref(c.before)),
              [...change.added.map(ref), ...change.changed.map((c) => ref(c.after))],
            ),
          );
          counts.added += change.added.length;
          counts.changed += change.changed.length;
          await r.scanRuns.expectDiscovered({ id: run.id, accounts: listed.size });
          return recordSkipped(r, run, fresh, seenAt);
        });
        counts.skipped += skipped;
        for (let i = 0; i < skipped; i++)
          observer?.accountRecorded?.({ orgId, outcome: 'skipped', durationMs: 0, duplicate: false });
        // Jobs of a page only once its accounts are committed: the job reads their rows.
        await context.enqueue(
          fresh
            .filter(isAssessable)
            .map((a) => accountJob({ runId: run.id, orgId, accountId: a.id, generation })),
        );
      };

      const discovered = await withDiscovery(run, context, log, async () => {
        const found = await source.discover({ runId: run.id, org, stream: { organization, accounts } });
        // A source that streams nothing (or part): what it did not hand out starts here.
        if (!organizationStarted) await organization(found);
        await accounts(found.accounts);
        return found;
      });
      if (!discovered) return false;

      await withTransaction(db, async (tx) => {
        const r = createRepositories({ db: tx });
        const removed = await r.accounts.markRemoved({
          orgId,
          presentIds: discovered.accounts.map((a) => a.id),
          removedAt: seenAt,
        });
        await insertDrift(
          r,
          run,
          diffAccounts(
            removed.map((a) => ({ id: a.id, state: a.state })),
            [],
          ),
        );
        await r.scanRuns.discoveryFinished({ id: run.id, total: discovered.accounts.length });
        log.info(
          {
            accounts: discovered.accounts.length,
            skipped: counts.skipped,
            added: counts.added,
            removed: removed.length,
            changed: counts.changed,
          },
          'organization discovered',
        );
      });
      return true;
    },

    /**
     * Scoped: the run's accounts from their stored rows — no account is added, changed or marked removed,
     * and an id the organization does not hold (unknown, removed) is skipped with the reason logged. Only the
     * organization-wide facts (the SCPs of the root and OUs) are read from AWS; each account job reads its own.
     */
    async startScoped(
      run: ScanRun,
      accountIds: readonly string[],
      org: OrgConfig,
      context: ScanJobContext,
      log: Logger,
    ): Promise<boolean> {
      const stored = (await repos.accounts.listByIds({ ids: accountIds })).filter(
        (a) => a.orgId === run.orgId && a.removedAt === null,
      );
      const known = new Set(stored.map((a) => a.id));
      const unknown = accountIds.filter((id) => !known.has(id));
      if (unknown.length > 0)
        log.warn(
          { accountIds: unknown, reason: 'account_unknown' },
          'accounts not in the organization; not scanned',
        );
      if (stored.some(isAssessable)) {
        const prepared = await withDiscovery(run, context, log, async () => {
          await source.prepare({ runId: run.id, org, scoped: true });
          return true;
        });
        if (!prepared) return false;
      }
      const seenAt = new Date();
      await unlessAlreadyStarted(() =>
        withTransaction(db, async (tx) => {
          const r = createRepositories({ db: tx });
          await markStarted(r, run, stored.length, seenAt);
          const skipped = await recordSkipped(r, run, stored, seenAt);
          log.info({ accounts: stored.length, skipped, unknown: unknown.length }, 'scoped scan started');
        }),
      );
      return true;
    },

    /**
     * Enqueues the accounts not yet recorded: a re-driven run (lost queue) does not re-run finished
     * accounts. The jobs carry this start job's generation, so a re-drive's ids never collide with dead
     * jobs' ids. A run without active accounts (or whose accounts were all recorded before a retry)
     * finishes here.
     */
    async enqueuePending(
      payload: { runId: string; orgId: string; generation?: number },
      context: ScanJobContext,
    ): Promise<void> {
      const { runId, orgId } = payload;
      const generation = payload.generation ?? 1;
      const pending = await repos.scanRuns.unrecordedAccounts({ runId, orgId });
      await context.enqueue(pending.map((accountId) => accountJob({ runId, orgId, accountId, generation })));
      await this.finalizeIfDone(payload, context);
    },

    /** A run whose every account is recorded (none active, or all done before this) finishes here. */
    async finalizeIfDone(
      payload: { runId: string; orgId: string; generation?: number },
      context: ScanJobContext,
    ): Promise<void> {
      const { runId, orgId } = payload;
      if (scanRunAwaitsFinalization(await repos.scanRuns.get({ id: runId }))) {
        await context.enqueue([finalizeJob({ runId, orgId, generation: payload.generation ?? 1 })]);
      }
    },
  };
}
