import { compliancePct as compliance, emptyCounts } from '@rootwatch/core/compliance';
import { ApiError, describeError } from '../api';
import { barChart } from '../charts';
import type { AppContext, View } from '../context';
import { h, replace, setAlert, skeleton, tableHead } from '../dom';
import { fmtDuration, fmtNumber, fmtPct, fmtTime, severityOrder } from '../format';
import { session } from '../session';
import type { ControlSummary, ListResponse, OrgSummary, ScanRun, StatusCounts, Summary } from '../types';

const POLL_MS = 1000;
const active = (run: ScanRun) => run.status === 'queued' || run.status === 'running';

/** Adds up the organizations of the summary: the overview shows the whole estate. */
function combine(orgs: OrgSummary[]) {
  const accounts = { total: 0, assessed: 0, unreachable: 0, error: 0, skipped: 0, never_scanned: 0 };
  const totals = emptyCounts();
  const findings: Record<string, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0, total: 0 };
  const controls = new Map<string, ControlSummary>();
  let lastScan: ScanRun | null = null;
  for (const org of orgs) {
    for (const k of Object.keys(accounts) as (keyof typeof accounts)[]) accounts[k] += org.accounts[k] ?? 0;
    for (const k of Object.keys(totals) as (keyof StatusCounts)[]) totals[k] += org.totals[k];
    for (const k of Object.keys(findings))
      findings[k] = (findings[k] ?? 0) + (org.open_findings[k as 'total'] ?? 0);
    for (const c of org.controls) {
      const sum = controls.get(c.control_id) ?? {
        ...c,
        pass: 0,
        fail: 0,
        unknown: 0,
        not_applicable: 0,
        suppressed: 0,
      };
      sum.pass += c.pass;
      sum.fail += c.fail;
      sum.unknown += c.unknown;
      sum.not_applicable += c.not_applicable;
      sum.suppressed += c.suppressed ?? 0;
      sum.compliance_pct = compliance(sum);
      sum.compliance_pct_excluding_exceptions = compliance({ ...sum, fail: sum.fail - sum.suppressed });
      controls.set(c.control_id, sum);
    }
    const scan = org.last_completed_scan;
    if (scan && (!lastScan || (scan.finished_at ?? '') > (lastScan.finished_at ?? ''))) lastScan = scan;
  }
  return {
    accounts,
    totals,
    findings,
    controls: [...controls.values()],
    lastScan,
    compliance: compliance(totals),
  };
}

function card(label: string, testId: string, sub?: string) {
  const number = h('div', { class: 'number', 'data-testid': testId }, h('span', { class: 'muted' }, '…'));
  const subEl = h('div', { class: 'sub' }, sub ?? '\u00a0');
  return {
    el: h(
      'section',
      { class: 'card', 'aria-label': label },
      h('div', { class: 'label' }, label),
      number,
      subEl,
    ),
    number,
    subEl,
  };
}

export function overviewView(ctx: AppContext): View {
  const alert = h('div', { role: 'alert' });
  const cards = {
    total: card('Accounts', 'accounts-total'),
    assessed: card('Assessed', 'accounts-assessed', 'last scan outcome'),
    unreachable: card('Unreachable', 'accounts-unreachable', 'audit role not usable'),
    compliance: card('Compliance', 'compliance-overall', 'PASS / (PASS + FAIL)'),
    findings: card('Open findings', 'findings-total'),
  };
  const chartBox = h('div', { class: 'bar-box' }, skeleton(10));
  const chartTable = h('div');
  const severityBox = h('div', null, skeleton(5));
  const lastScanBox = h('div', { class: 'scan-line', 'data-testid': 'last-scan' }, skeleton(1));
  // Kept in the layout while idle (invisible), so a starting scan does not push the page down.
  const progress = h('progress', {
    max: '100',
    'aria-labelledby': 'scan-progress-label',
    class: 'invisible',
  });
  const progressLabel = h(
    'div',
    { id: 'scan-progress-label', class: 'scan-line', 'data-testid': 'scan-progress-text' },
    '\u00a0',
  );
  const scanMessage = h('div', { class: 'muted', role: 'status', 'data-testid': 'scan-message' }, '\u00a0');
  const scanButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'scan-now' }, 'Scan now');
  scanButton.hidden = session.lacksScanScope();

  let disposed = false;
  let pollTimer: number | undefined;

  const el = h(
    'div',
    null,
    h('h1', null, 'Overview'),
    alert,
    h(
      'div',
      { class: 'grid cards' },
      Object.values(cards).map((c) => c.el),
    ),
    h(
      'div',
      { class: 'grid two-col' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'compliance-title' },
        h('h2', { id: 'compliance-title' }, 'Compliance by control'),
        chartBox,
        chartTable,
      ),
      h(
        'div',
        null,
        h(
          'section',
          { class: 'panel scan-box', 'aria-labelledby': 'scans-title' },
          h('h2', { id: 'scans-title' }, 'Scans'),
          lastScanBox,
          progressLabel,
          progress,
          h('div', { class: 'actions' }, scanButton, scanMessage),
        ),
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'sev-title' },
          h('h2', { id: 'sev-title' }, 'Open findings by severity'),
          severityBox,
        ),
      ),
    ),
  );

  function renderSummary(summary: Summary) {
    const all = combine(summary.organizations);
    replace(cards.total.number, fmtNumber(all.accounts.total));
    replace(
      cards.total.subEl,
      `${summary.organizations.length} organization${summary.organizations.length === 1 ? '' : 's'}` +
        (all.accounts.never_scanned ? ` · ${fmtNumber(all.accounts.never_scanned)} never scanned` : ''),
    );
    replace(cards.assessed.number, fmtNumber(all.accounts.assessed));
    replace(cards.unreachable.number, fmtNumber(all.accounts.unreachable));
    if (all.accounts.error || all.accounts.skipped) {
      replace(
        cards.unreachable.subEl,
        `${fmtNumber(all.accounts.error)} errors · ${fmtNumber(all.accounts.skipped)} skipped`,
      );
    }
    replace(cards.compliance.number, fmtPct(all.compliance));
    replace(cards.findings.number, fmtNumber(all.findings.total));

    const bars = all.controls.map((c) => ({
      label: c.control_id,
      value: c.compliance_pct,
      title: `${c.title}: ${fmtPct(c.compliance_pct)} (${c.pass} pass, ${c.fail} fail, ${c.unknown} unknown, ${c.not_applicable} n/a)`,
    }));
    replace(chartBox, barChart(bars, 'Compliance per control, percent of evaluated accounts passing'));
    replace(
      chartTable,
      h(
        'details',
        null,
        h('summary', null, 'Show as table'),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { 'data-testid': 'compliance-table' },
            h('caption', { class: 'visually-hidden' }, 'Compliance per control'),
            tableHead(
              'Control',
              { label: 'Pass', num: true },
              { label: 'Fail', num: true },
              { label: 'Unknown', num: true },
              { label: 'N/A', num: true },
              { label: 'Compliance', num: true },
              { label: 'Suppressed', num: true },
              { label: 'Excl. exceptions', num: true },
            ),
            h(
              'tbody',
              null,
              all.controls.map((c) =>
                h(
                  'tr',
                  { 'data-control': c.control_id },
                  h(
                    'th',
                    { scope: 'row' },
                    h(
                      'a',
                      { href: `#/accounts?control=${encodeURIComponent(c.control_id)}&status=FAIL` },
                      c.control_id,
                    ),
                  ),
                  h('td', { class: 'num' }, fmtNumber(c.pass)),
                  h('td', { class: 'num' }, fmtNumber(c.fail)),
                  h('td', { class: 'num' }, fmtNumber(c.unknown)),
                  h('td', { class: 'num' }, fmtNumber(c.not_applicable)),
                  h('td', { class: 'num', 'data-testid': 'control-compliance' }, fmtPct(c.compliance_pct)),
                  h('td', { class: 'num', 'data-testid': 'control-suppressed' }, fmtNumber(c.suppressed)),
                  h(
                    'td',
                    { class: 'num', 'data-testid': 'control-compliance-excluding-exceptions' },
                    fmtPct(c.compliance_pct_excluding_exceptions),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );

    const max = Math.max(1, ...severityOrder.map((s) => all.findings[s] ?? 0));
    replace(
      severityBox,
      h(
        'ul',
        { class: 'severity-list' },
        severityOrder.map((sev) => {
          const n = all.findings[sev] ?? 0;
          const fill = h('span');
          fill.style.width = `${(n / max) * 100}%`;
          return h(
            'li',
            { class: `sev-${sev}` },
            h('span', null, sev),
            h('span', { class: 'sev-bar', 'aria-hidden': 'true' }, fill),
            h('span', { class: 'num', 'data-testid': `findings-${sev}` }, fmtNumber(n)),
          );
        }),
      ),
    );

    const last = all.lastScan;
    replace(
      lastScanBox,
      last
        ? [
            h(
              'span',
              null,
              'Last scan: ',
              h('strong', null, last.status),
              ` · finished ${fmtTime(last.finished_at)}`,
            ),
            h(
              'span',
              { class: 'muted' },
              `${fmtNumber(last.progress.done)} / ${fmtNumber(last.progress.total)} accounts` +
                (last.duration_ms !== null ? ` in ${fmtDuration(last.duration_ms)}` : ''),
            ),
          ]
        : h('span', { class: 'muted' }, 'No completed scan yet.'),
    );
  }

  async function loadSummary() {
    try {
      const summary = await ctx.api.get<Summary>('/v1/summary');
      if (disposed) return;
      setAlert(alert, null);
      renderSummary(summary);
      el.setAttribute('data-loaded', 'true');
      // Time to first render of the overview's numbers, read by the browser test and the benchmark.
      if (performance.getEntriesByName('rootwatch:overview-rendered').length === 0) {
        performance.mark('rootwatch:overview-rendered');
      }
    } catch (err) {
      if (disposed) return;
      setAlert(alert, describeError(err));
    }
  }

  function showRun(run: ScanRun) {
    const { total, done } = run.progress;
    const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : active(run) ? null : 100;
    progress.classList.remove('invisible');
    if (pct === null) {
      progress.removeAttribute('value');
    } else {
      progress.value = pct;
    }
    progress.setAttribute('data-run', run.id);
    // A scoped run (one account rescanned after root activity) is not the organization's scan.
    const what = run.account_ids ? 'Rescan' : 'Scan';
    const label = active(run)
      ? total > 0
        ? `${what} ${run.status}: ${fmtNumber(done)} / ${fmtNumber(total)} accounts`
        : `${what} ${run.status}: discovering accounts…`
      : `${what} ${run.status}: ${fmtNumber(done)} / ${fmtNumber(total)} accounts`;
    replace(
      progressLabel,
      h('span', null, label),
      h('strong', { 'data-testid': 'scan-progress-pct' }, pct === null ? '' : `${pct} %`),
    );
    scanButton.disabled = active(run);
  }

  /** Polls the runs until none is active; several orgs make several runs, shown as one bar. */
  async function follow(runIds: string[]) {
    window.clearTimeout(pollTimer);
    try {
      const runs = await Promise.all(
        runIds.map((id) => ctx.api.get<ScanRun>(`/v1/scans/${encodeURIComponent(id)}`)),
      );
      if (disposed) return;
      showRun(combineRuns(runs));
      if (runs.some(active)) {
        pollTimer = window.setTimeout(() => void follow(runIds), POLL_MS);
      } else {
        const failed = runs.find((r) => r.error_message);
        replace(
          scanMessage,
          failed ? `Scan ${failed.status}: ${failed.error_message}` : `Scan ${combineRuns(runs).status}.`,
        );
        scanButton.disabled = false;
        await loadSummary();
      }
    } catch (err) {
      if (disposed) return;
      replace(scanMessage, describeError(err));
      // A 429 or a network blip should not end the progress display: try again a little later.
      if (!(err instanceof ApiError) || err.status === 429 || err.status >= 500) {
        pollTimer = window.setTimeout(() => void follow(runIds), POLL_MS * 3);
      } else {
        scanButton.disabled = false;
      }
    }
  }

  async function findActiveScan() {
    try {
      const runs = await ctx.api.get<ListResponse<ScanRun>>('/v1/scans', { limit: 10 });
      if (disposed) return;
      const running = runs.items.filter(active).map((r) => r.id);
      if (running.length) void follow(running);
    } catch {
      // The summary already shows an error if the API is unreachable.
    }
  }

  scanButton.addEventListener('click', async () => {
    scanButton.disabled = true;
    replace(scanMessage, 'Starting a scan…');
    try {
      const res = await ctx.api.post<{ items: ScanRun[] }>('/v1/scans', {});
      replace(scanMessage, '\u00a0');
      if (res.items.length) await follow(res.items.map((r) => r.id));
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        session.markLacksScanScope();
        scanButton.hidden = true;
        replace(scanMessage, 'This API key cannot start scans (it lacks the scans:write scope).');
      } else if (err instanceof ApiError && err.status === 409) {
        replace(scanMessage, 'A scan is already running; following it.');
        await findActiveScan();
      } else {
        replace(scanMessage, describeError(err));
        scanButton.disabled = false;
      }
    }
  });

  void loadSummary();
  void findActiveScan();

  return {
    el,
    dispose() {
      disposed = true;
      window.clearTimeout(pollTimer);
    },
  };
}

function combineRuns(runs: ScanRun[]): ScanRun {
  const first = runs[0]!;
  if (runs.length === 1) return first;
  const progress = { total: 0, done: 0, assessed: 0, unreachable: 0, errors: 0, skipped: 0 };
  for (const r of runs)
    for (const k of Object.keys(progress) as (keyof typeof progress)[]) progress[k] += r.progress[k];
  const status =
    runs.find(active)?.status ?? runs.find((r) => r.status !== 'succeeded')?.status ?? first.status;
  return { ...first, id: runs.map((r) => r.id).join(','), status, progress };
}
