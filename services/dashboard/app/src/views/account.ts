import { describeError } from '../api';
import type { AppContext, View } from '../context';
import { h, replace, setAlert, skeleton, skeletonRows, tableHead } from '../dom';
import { fmtTime, severityBadge, statusBadge } from '../format';
import type {
  AccountDetail,
  ControlDef,
  DriftEvent,
  FeedResponse,
  Finding,
  ListResponse,
  PostureVersion,
} from '../types';
import { ROOT_ACTIVITY_HEAD, rootActivityRows } from './root-activity';

function evidenceBlock(evidence: unknown): HTMLElement | string {
  if (evidence === null || evidence === undefined) return '';
  if (typeof evidence === 'object' && Object.keys(evidence as object).length === 0) return '';
  return h(
    'details',
    null,
    h('summary', null, 'Evidence'),
    h('pre', { class: 'evidence' }, JSON.stringify(evidence, null, 2)),
  );
}

function value(v: unknown): string {
  if (v === null || v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function describeDrift(e: DriftEvent): string {
  const what = e.control_id ?? e.field ?? '';
  if (e.kind === 'control_changed') return `${what}: ${value(e.from)} → ${value(e.to)}`;
  if (e.from !== null || e.to !== null) return `${what}${what ? ': ' : ''}${value(e.from)} → ${value(e.to)}`;
  return what;
}

export function accountView(ctx: AppContext, accountId: string): View {
  let disposed = false;
  const alert = h('div', { role: 'alert' });
  const title = h('h1', null, `Account ${accountId}`);
  const meta = h('div', { class: 'panel' }, skeleton(4));
  const controlsBody = h('tbody', null, skeletonRows(10, 5));
  const findingsBox = h('div', null, skeleton(2));
  const historyBox = h('div', { 'data-testid': 'history' }, skeleton(3));
  const driftBox = h('div', { 'data-testid': 'account-drift' }, skeleton(3));
  const rootActivityBox = h('div', { 'data-testid': 'account-root-activity' }, skeleton(2));

  const el = h(
    'div',
    null,
    h('p', null, h('a', { href: '#/accounts' }, '← All accounts')),
    title,
    alert,
    meta,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'controls-title' },
      h('h2', { id: 'controls-title' }, 'Current control results'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'control-results' },
          tableHead('Control', 'Severity', 'Status', 'Reason and evidence', 'Since'),
          controlsBody,
        ),
      ),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'findings-title' },
      h('h2', { id: 'findings-title' }, 'Findings'),
      findingsBox,
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'root-activity-title' },
      h('h2', { id: 'root-activity-title' }, 'Root activity (CloudTrail)'),
      rootActivityBox,
    ),
    h(
      'div',
      { class: 'grid two-col' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'history-title' },
        h('h2', { id: 'history-title' }, 'History of posture versions'),
        historyBox,
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'drift-title' },
        h('h2', { id: 'drift-title' }, 'Drift events'),
        driftBox,
      ),
    ),
  );

  const fail = (box: HTMLElement, err: unknown) => {
    if (disposed) return;
    replace(box, h('p', { class: 'alert' }, describeError(err)));
  };

  async function loadDetail(catalog: Map<string, ControlDef>) {
    const a = await ctx.api.get<AccountDetail>(`/v1/accounts/${encodeURIComponent(accountId)}`);
    if (disposed) return;
    replace(title, a.name, ' ', h('span', { class: 'muted mono' }, a.id));
    document.title = `${a.name} · Rootwatch`;
    const tags = Object.entries(a.tags);
    replace(
      meta,
      h(
        'dl',
        { class: 'meta' },
        h('dt', null, 'Email'),
        h('dd', null, a.email),
        h('dt', null, 'Organization'),
        h('dd', { class: 'mono' }, a.org_id),
        h('dt', null, 'OU path'),
        h('dd', null, a.ou_path.map((o) => o.name).join(' / ') || '—'),
        h('dt', null, 'State'),
        h('dd', null, a.state, a.removed_at ? ` (left the organization ${fmtTime(a.removed_at)})` : ''),
        h('dt', null, 'Tags'),
        h('dd', null, tags.length ? tags.map(([k, v]) => h('code', null, `${k}:${v} `)) : '—'),
        h('dt', null, 'Last assessed'),
        h('dd', null, fmtTime(a.last_assessed_at)),
        h('dt', null, 'Last scan outcome'),
        h(
          'dd',
          { 'data-testid': 'last-outcome' },
          a.last_outcome ?? 'never scanned',
          a.last_outcome_at ? ` · ${fmtTime(a.last_outcome_at)}` : '',
        ),
      ),
    );
    replace(
      controlsBody,
      a.controls.length
        ? a.controls.map((c) =>
            h(
              'tr',
              { 'data-control': c.control_id, 'data-status': c.status },
              h(
                'th',
                { scope: 'row' },
                h('code', null, c.control_id),
                h('div', { class: 'muted' }, catalog.get(c.control_id)?.title ?? ''),
              ),
              h('td', null, severityBadge(c.severity)),
              h('td', null, statusBadge(c.status)),
              h('td', null, c.reason ?? '', evidenceBlock(c.evidence)),
              h('td', null, fmtTime(c.since)),
            ),
          )
        : h('tr', null, h('td', { colspan: '5', class: 'muted' }, 'Not assessed yet.')),
    );
    const activity = a.root_activity ?? [];
    replace(
      rootActivityBox,
      activity.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              null,
              tableHead(...ROOT_ACTIVITY_HEAD),
              h('tbody', null, rootActivityRows(activity, false)),
            ),
          )
        : h('p', { class: 'muted' }, 'No root activity recorded.'),
    );
    void loadFindings(a.open_findings);
  }

  async function loadFindings(open: Finding[]) {
    let all: Finding[] = open;
    try {
      const res = await ctx.api.get<ListResponse<Finding>>('/v1/findings', {
        account: accountId,
        limit: 200,
      });
      all = res.items;
    } catch {
      // The open findings of the detail response are enough to show.
    }
    if (disposed) return;
    all = [...all].sort((x, y) =>
      x.status === y.status ? y.opened_at.localeCompare(x.opened_at) : x.status === 'open' ? -1 : 1,
    );
    replace(
      findingsBox,
      all.length
        ? h(
            'table',
            { 'data-testid': 'findings' },
            tableHead('Control', 'Severity', 'Status', 'Opened', 'Resolved', 'Reason'),
            h(
              'tbody',
              null,
              all.map((f) =>
                h(
                  'tr',
                  null,
                  h('td', null, h('code', null, f.control_id)),
                  h('td', null, severityBadge(f.severity)),
                  h('td', null, f.status),
                  h('td', null, fmtTime(f.opened_at)),
                  h('td', null, fmtTime(f.resolved_at)),
                  h('td', null, f.reason ?? ''),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No findings: no control of this account has ever failed.'),
    );
  }

  async function loadHistory() {
    const res = await ctx.api.get<ListResponse<PostureVersion>>(
      `/v1/accounts/${encodeURIComponent(accountId)}/history`,
      {
        limit: 1000,
      },
    );
    if (disposed) return;
    const versions = res.items;
    if (!versions.length) {
      replace(historyBox, h('p', { class: 'muted' }, 'No posture recorded yet.'));
      return;
    }
    const items = versions.map((v, i) => {
      const prev = versions[i - 1];
      const changes = Object.entries(v.results)
        .filter(([id, r]) => !prev || prev.results[id]?.status !== r.status)
        .map(([id, r]) =>
          h(
            'li',
            null,
            h('code', null, id),
            ': ',
            prev?.results[id] ? [statusBadge(prev.results[id]!.status), ' → '] : '',
            statusBadge(r.status),
          ),
        );
      const counts: Record<string, number> = {};
      for (const r of Object.values(v.results)) counts[r.status] = (counts[r.status] ?? 0) + 1;
      return h(
        'li',
        { 'data-version': String(v.id) },
        h('strong', null, i === 0 ? 'First observed ' : 'Changed ', fmtTime(v.valid_from)),
        v.valid_to === null ? h('span', { class: 'badge', 'data-testid': 'current-version' }, 'current') : '',
        h(
          'div',
          { class: 'muted' },
          `Observed ${fmtTime(v.observation_window.first_observed_at)} – ${fmtTime(v.observation_window.last_observed_at)}`,
          v.valid_to ? ` · valid until ${fmtTime(v.valid_to)}` : '',
        ),
        h(
          'div',
          { class: 'muted' },
          Object.entries(counts)
            .map(([s, n]) => `${n} ${s}`)
            .join(' · '),
        ),
        prev
          ? changes.length
            ? h('ul', { class: 'changes' }, changes)
            : h('div', { class: 'muted' }, 'Evidence changed, statuses unchanged.')
          : '',
      );
    });
    replace(
      historyBox,
      h('ol', { class: 'timeline', reversed: true }, items.reverse()),
      res.next_cursor ? h('p', { class: 'muted' }, 'Older versions exist beyond the first 1,000.') : '',
    );
  }

  async function loadDrift() {
    const res = await ctx.api.get<FeedResponse<DriftEvent>>('/v1/drift-events', {
      account: accountId,
      limit: 1000,
    });
    if (disposed) return;
    const events = [...res.items].reverse();
    replace(
      driftBox,
      events.length
        ? h(
            'ul',
            { class: 'timeline' },
            events.map((e) =>
              h(
                'li',
                { 'data-event': String(e.id) },
                h('strong', null, e.kind.replaceAll('_', ' ')),
                ' ',
                severityBadge(e.severity),
                h('div', null, describeDrift(e)),
                h('div', { class: 'muted' }, fmtTime(e.detected_at)),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No drift recorded for this account.'),
      res.has_more ? h('p', { class: 'muted' }, 'Showing the first 1,000 events.') : '',
    );
  }

  void ctx
    .controls()
    .then((controls) => loadDetail(new Map(controls.map((c) => [c.id, c]))))
    .then(() => {
      if (!disposed) el.setAttribute('data-loaded', 'true');
    })
    .catch((err) => {
      if (disposed) return;
      setAlert(alert, describeError(err));
      replace(controlsBody);
    });
  void loadHistory().catch((err) => fail(historyBox, err));
  void loadDrift().catch((err) => fail(driftBox, err));

  return {
    el,
    dispose() {
      disposed = true;
    },
  };
}
