import type { ScanReport } from './model';

const FIXED = ['account_id', 'name', 'email', 'ou_path', 'state', 'outcome', 'error_code'] as const;

/** One row per account, one column per control (its status); RFC 4180 quoting. */
export function renderCsv(report: ScanReport, controlIds: readonly string[]): string {
  const lines = [[...FIXED, ...controlIds].map(cell).join(',')];
  for (const a of report.accounts) {
    const fixed = [a.accountId, a.name, a.email, a.ouPath, a.state, a.outcome, a.error?.code ?? ''];
    const statuses = controlIds.map((id) => a.controls[id]?.status ?? '');
    lines.push([...fixed, ...statuses].map(cell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function cell(value: string): string {
  // A leading = + - @ would be read as a formula by spreadsheet tools (CSV injection); names come from AWS.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
