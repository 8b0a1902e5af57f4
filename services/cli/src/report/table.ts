import type { ControlDefinition } from '@rootwatch/core';
import type { ScanReport } from './model';

/** Human report: per-control counts, then every account that has a FAIL or could not be assessed. */
export function renderTable(report: ScanReport, catalog: readonly ControlDefinition[]): string {
  const s = report.summary;
  const out: string[] = [];
  out.push(
    `Organization ${report.organization.id} (management ${report.organization.managementAccountId})`,
    `Scanned ${report.startedAt} → ${report.finishedAt}`,
    `Accounts ${s.accounts}: ${s.assessed} assessed, ${s.unreachable} unreachable, ${s.errors} errors, ${s.skipped} skipped`,
    '',
  );
  const controlRows = catalog.map((c) => {
    const n = s.byControl[c.id] ?? { PASS: 0, FAIL: 0, NOT_APPLICABLE: 0, UNKNOWN: 0 };
    return [c.id, c.severity, String(n.PASS), String(n.FAIL), String(n.NOT_APPLICABLE), String(n.UNKNOWN)];
  });
  out.push(table(['control', 'severity', 'pass', 'fail', 'n/a', 'unknown'], controlRows, [2, 3, 4, 5]), '');

  const attention = report.accounts.filter(
    (a) =>
      a.outcome === 'unreachable' ||
      a.outcome === 'error' ||
      Object.values(a.controls).some((c) => c.status === 'FAIL'),
  );
  if (attention.length === 0) {
    out.push('No failing controls.');
  } else {
    const rows = attention.map((a) => [
      a.accountId,
      a.name,
      a.outcome === 'assessed' ? 'assessed' : `${a.outcome}${a.error ? ` (${a.error.code})` : ''}`,
      Object.entries(a.controls)
        .filter(([id, c]) => c.status === 'FAIL' && (a.outcome === 'assessed' || id === 'audit.coverage'))
        .map(([id]) => id)
        .join(' '),
    ]);
    out.push(
      `Accounts needing attention: ${attention.length}`,
      table(['account', 'name', 'outcome', 'failing'], rows, []),
    );
  }
  return `${out.join('\n')}\n`;
}

function table(header: string[], rows: string[][], rightAligned: number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
