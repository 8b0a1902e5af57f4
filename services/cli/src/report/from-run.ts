import {
  type AccountState,
  CONTROL_CATALOG,
  CONTROL_IDS,
  DEFAULT_USAGE_WINDOW_DAYS,
  evaluateControls,
} from '@rootwatch/core';
import type { Account, AccountScan, ControlState, Repositories } from '@rootwatch/db';
import {
  type ReportAccount,
  type ReportControl,
  type ReportOutcome,
  type ScanReport,
  summarize,
} from './model';

const PAGE = 1000;
const SEVERITY = new Map(CONTROL_CATALOG.map((c) => [c.id, c.severity]));

/**
 * The report of one finished run, read back from what the pipeline persisted — the same rows the API
 * serves, so `scan --once` and `GET /v1/accounts` cannot disagree.
 */
export async function buildRunReport(repos: Repositories, runId: string): Promise<ScanReport> {
  const run = await repos.scanRuns.get({ id: runId });
  if (!run) throw new Error(`scan run ${runId} not found`);
  const org = await repos.organizations.get({ id: run.orgId });

  const scans: AccountScan[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await repos.accountScans.listForRun({ scanRunId: runId, limit: PAGE, cursor });
    scans.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const accounts = new Map<string, Account>();
  for (let cursor: string | undefined; ; ) {
    const page = await repos.accounts.list({ orgId: run.orgId, includeRemoved: true, limit: PAGE, cursor });
    for (const a of page.items) accounts.set(a.id, a);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const states = new Map<string, ControlState[]>();
  for (let i = 0; i < scans.length; i += PAGE) {
    const ids = scans.slice(i, i + PAGE).map((s) => s.accountId);
    for (const state of await repos.controlStates.listForAccounts({ accountIds: ids })) {
      if (state.scanRunId !== runId) continue;
      const list = states.get(state.accountId) ?? [];
      list.push(state);
      states.set(state.accountId, list);
    }
  }

  const reportAccounts = scans.map((scan): ReportAccount => {
    const account = accounts.get(scan.accountId);
    const outcome = scan.outcome as ReportOutcome;
    return {
      accountId: scan.accountId,
      name: account?.name ?? '',
      email: account?.email ?? '',
      ouPath: `/${(account?.ouPath ?? []).map((ou) => ou.name).join('/')}`,
      state: account?.state ?? 'UNKNOWN',
      outcome,
      ...(scan.errorCode ? { error: { code: scan.errorCode, message: scan.errorMessage ?? '' } } : {}),
      controls: controlsOf(states.get(scan.accountId) ?? [], scan, account?.state),
    };
  });

  return {
    organization: {
      id: org?.id ?? run.orgId,
      managementAccountId: org?.managementAccountId ?? '',
      features: org?.features ?? [],
    },
    startedAt: (run.startedAt ?? run.requestedAt).toISOString(),
    finishedAt: (run.finishedAt ?? new Date()).toISOString(),
    summary: summarize(reportAccounts, CONTROL_IDS),
    accounts: reportAccounts,
  };
}

/** Catalog order; a control the run did not record reads as UNKNOWN rather than vanishing. */
function controlsOf(
  states: ControlState[],
  scan: AccountScan,
  state: AccountState | undefined,
): Record<string, ReportControl> {
  // An account_scans row always has its account row (foreign key): its state is known.
  if (states.length === 0 && scan.outcome === 'skipped' && state) return skippedControls(state);
  const byId = new Map(states.map((s) => [s.controlId, s]));
  const out: Record<string, ReportControl> = {};
  for (const id of CONTROL_IDS) {
    const state = byId.get(id);
    out[id] = state
      ? {
          status: state.status,
          severity: state.severity,
          reason: state.reason ?? '',
        }
      : {
          status: 'UNKNOWN',
          severity: SEVERITY.get(id)!,
          reason: `not recorded for this run (${scan.outcome})`,
        };
  }
  return out;
}

/**
 * The pipeline stores no control states for a skipped (non-ACTIVE) account; the report shows what the
 * catalog says of one: audit.coverage not applicable, everything else unknown.
 */
function skippedControls(state: AccountState): Record<string, ReportControl> {
  const results = evaluateControls(
    null,
    {
      id: '000000000000',
      name: '',
      email: '',
      state,
      ouPath: [],
      tags: {},
      joinedAt: null,
      isManagementAccount: false,
      effectiveScps: { known: false, reason: 'not assessed' },
      securityContact: { status: 'unknown', reason: 'not assessed' },
    },
    {
      id: '',
      managementAccountId: '',
      partition: 'aws',
      scpEnabled: false,
      features: { known: false, reason: 'not assessed' },
    },
    { usageWindowDays: DEFAULT_USAGE_WINDOW_DAYS, now: new Date() },
  );
  return Object.fromEntries(
    results.map((r) => [r.controlId, { status: r.status, severity: r.severity, reason: r.reason }]),
  );
}
