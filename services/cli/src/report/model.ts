import {
  CONTROL_STATUSES,
  type ControlId,
  type ControlStatus,
  type ScanOutcome,
  type Severity,
} from '@rootwatch/core';

/** The stable `scan --once --format json` document (README: "JSON report format"). */
export interface ScanReport {
  organization: { id: string; managementAccountId: string; features: string[] };
  startedAt: string;
  finishedAt: string;
  summary: ReportSummary;
  accounts: ReportAccount[];
}

export interface ReportSummary {
  accounts: number;
  assessed: number;
  unreachable: number;
  skipped: number;
  errors: number;
  byControl: Record<string, Record<ControlStatus, number>>;
}

export type ReportOutcome = ScanOutcome;

export interface ReportAccount {
  accountId: string;
  name: string;
  email: string;
  /** OU names from the root down, `/`-separated, e.g. `/Root/Prod/Payments`. */
  ouPath: string;
  state: string;
  outcome: ReportOutcome;
  error?: { code: string; message: string };
  controls: Record<string, ReportControl>;
}

export interface ReportControl {
  status: ControlStatus;
  severity: Severity;
  reason: string;
}

/** Summary counts derived from the accounts, so the two parts of a report can never disagree. */
export function summarize(accounts: ReportAccount[], controlIds: readonly ControlId[]): ReportSummary {
  const byControl: ReportSummary['byControl'] = {};
  for (const id of controlIds) {
    byControl[id] = Object.fromEntries(CONTROL_STATUSES.map((s) => [s, 0])) as Record<ControlStatus, number>;
  }
  const count = (outcome: ReportOutcome) => accounts.filter((a) => a.outcome === outcome).length;
  for (const account of accounts) {
    for (const [id, control] of Object.entries(account.controls)) {
      const row = byControl[id];
      if (row) row[control.status] += 1;
    }
  }
  return {
    accounts: accounts.length,
    assessed: count('assessed'),
    unreachable: count('unreachable'),
    skipped: count('skipped'),
    errors: count('error'),
    byControl,
  };
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };
export const FAIL_ON_LEVELS = ['critical', 'high', 'medium'] as const;
export type FailOnLevel = (typeof FAIL_ON_LEVELS)[number];

/** The FAILs at or above `level`: what makes `--fail-on` exit non-zero. */
export function failuresAtOrAbove(
  report: ScanReport,
  level: Severity,
): { accountId: string; controlId: string }[] {
  const out: { accountId: string; controlId: string }[] = [];
  for (const account of report.accounts) {
    for (const [controlId, control] of Object.entries(account.controls)) {
      if (control.status === 'FAIL' && SEVERITY_RANK[control.severity] >= SEVERITY_RANK[level]) {
        out.push({ accountId: account.accountId, controlId });
      }
    }
  }
  return out;
}
