import { DRIFT_KINDS } from '@rootwatch/core/vocabulary';
import { buildPath, describeError, type Query } from '../api';
import type { AppContext, View } from '../context';
import { h, replace, setAlert, skeletonRows, tableHead } from '../dom';
import { fmtTime, severityBadge, severityOrder } from '../format';
import type { DriftEvent, FeedResponse } from '../types';
import { describeDrift } from './account';

const REFRESH_MS = 5000;
const KEEP = 500;
const MAX_INITIAL_PAGES = 20;
const WINDOWS: [string, string, number | null][] = [
  ['1d', 'Last 24 hours', 86_400_000],
  ['7d', 'Last 7 days', 7 * 86_400_000],
  ['30d', 'Last 30 days', 30 * 86_400_000],
  ['all', 'All time', null],
];

export function driftView(ctx: AppContext, params: URLSearchParams): View {
  let disposed = false;
  let timer: number | undefined;
  let paused = false;
  let generation = 0;
  let cursor: string | null = null;
  let conditional: { url: string; etag: string | null } = { url: '', etag: null };
  let events: DriftEvent[] = [];
  let stats = { notModified: 0, changed: 0 };

  const windowSel = h(
    'select',
    { id: 'd-window', name: 'window' },
    WINDOWS.map(([v, label]) =>
      h('option', { value: v, selected: (params.get('window') ?? '7d') === v }, label),
    ),
  );
  const kindSel = h(
    'select',
    { id: 'd-kind', name: 'kind' },
    h('option', { value: '' }, 'Any kind'),
    DRIFT_KINDS.map((k) =>
      h('option', { value: k, selected: params.get('kind') === k }, k.replaceAll('_', ' ')),
    ),
  );
  const sevSel = h(
    'select',
    { id: 'd-severity', name: 'severity' },
    h('option', { value: '' }, 'Any severity'),
    severityOrder.map((s) => h('option', { value: s, selected: params.get('severity') === s }, s)),
  );
  const pauseButton = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Pause auto-refresh');
  const status = h(
    'div',
    { class: 'feed-status muted', role: 'status', 'data-testid': 'feed-status' },
    '\u00a0',
  );
  const alert = h('div', { role: 'alert' });
  const tbody = h('tbody', null, skeletonRows(10, 5));

  const el = h(
    'div',
    null,
    h('h1', null, 'Drift feed'),
    h(
      'section',
      { class: 'panel' },
      h(
        'form',
        { class: 'filters', 'aria-label': 'Filter drift events', onSubmit: (e: Event) => e.preventDefault() },
        h('div', { class: 'field' }, h('label', { for: 'd-window' }, 'Window'), windowSel),
        h('div', { class: 'field' }, h('label', { for: 'd-kind' }, 'Kind'), kindSel),
        h('div', { class: 'field' }, h('label', { for: 'd-severity' }, 'Severity'), sevSel),
        h('div', { class: 'actions' }, pauseButton),
      ),
      status,
    ),
    alert,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'feed-title' },
      h('h2', { id: 'feed-title' }, 'Newest first'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'drift-table' },
          tableHead('Detected', 'Kind', 'Severity', 'Account', 'Change'),
          tbody,
        ),
      ),
    ),
  );

  function filterQuery(): Query {
    return { kind: kindSel.value || undefined, severity: sevSel.value || undefined };
  }

  function render() {
    replace(
      tbody,
      events.length
        ? events.map((e) =>
            h(
              'tr',
              { 'data-event': String(e.id) },
              h('td', null, fmtTime(e.detected_at)),
              h('td', null, e.kind.replaceAll('_', ' ')),
              h('td', null, severityBadge(e.severity)),
              h(
                'td',
                null,
                e.account_id
                  ? h('a', { href: `#/accounts/${e.account_id}`, class: 'mono' }, e.account_id)
                  : '—',
              ),
              h('td', null, describeDrift(e)),
            ),
          )
        : h('tr', null, h('td', { colspan: '5', class: 'muted' }, 'No drift in this window.')),
    );
  }

  function take(items: DriftEvent[]) {
    // The feed is oldest first; the screen is newest first.
    events = [...items].reverse().concat(events).slice(0, KEEP);
  }

  function schedule(gen: number) {
    window.clearTimeout(timer);
    if (disposed || paused || gen !== generation) return;
    timer = window.setTimeout(() => void poll(gen), REFRESH_MS);
  }

  async function fetchPage(query: Query, gen: number): Promise<FeedResponse<DriftEvent> | null> {
    const url = buildPath('/v1/drift-events', query);
    const etag = conditional.url === url ? conditional.etag : null;
    const res = await ctx.api.getIfChanged<FeedResponse<DriftEvent>>('/v1/drift-events', query, etag);
    if (gen !== generation || disposed) return null;
    if (res.notModified) {
      stats.notModified++;
      return null;
    }
    conditional = { url, etag: res.etag };
    return res.data;
  }

  async function poll(gen: number) {
    try {
      let more = true;
      let fresh = 0;
      let checked = false;
      while (more) {
        const query: Query = {
          ...filterQuery(),
          limit: 1000,
          ...(cursor ? { after: cursor } : sinceQuery()),
        };
        const page = await fetchPage(query, gen);
        if (gen !== generation || disposed) return;
        checked = true;
        if (!page) break;
        stats.changed++;
        take(page.items);
        fresh += page.items.length;
        if (page.next_cursor) cursor = page.next_cursor;
        more = page.has_more;
      }
      if (fresh) render();
      if (checked) {
        replace(
          status,
          `Auto-refresh every ${REFRESH_MS / 1000} s · last checked ${new Date().toISOString().slice(11, 19)} UTC · `,
          fresh ? `${fresh} new event${fresh === 1 ? '' : 's'}` : 'no change (304 Not Modified)',
        );
        status.setAttribute('data-not-modified', String(stats.notModified));
      }
      setAlert(alert, null);
    } catch (err) {
      if (gen !== generation || disposed) return;
      setAlert(alert, describeError(err));
    }
    schedule(gen);
  }

  function sinceQuery(): Query {
    const win = WINDOWS.find(([v]) => v === windowSel.value)?.[2] ?? null;
    return win === null ? {} : { since: new Date(Date.now() - win).toISOString() };
  }

  async function start() {
    const gen = ++generation;
    window.clearTimeout(timer);
    events = [];
    cursor = null;
    conditional = { url: '', etag: null };
    stats = { notModified: 0, changed: 0 };
    replace(tbody, skeletonRows(10, 5));
    el.removeAttribute('data-loaded');
    try {
      const base: Query = { ...filterQuery(), limit: 1000, ...sinceQuery() };
      for (let i = 0; i < MAX_INITIAL_PAGES; i++) {
        const res: FeedResponse<DriftEvent> = await ctx.api.get(
          '/v1/drift-events',
          cursor ? { ...base, after: cursor } : base,
        );
        if (gen !== generation || disposed) return;
        take(res.items);
        if (res.next_cursor) cursor = res.next_cursor;
        if (!res.has_more) break;
      }
      render();
      replace(
        status,
        `Auto-refresh every ${REFRESH_MS / 1000} s · ${events.length} event${events.length === 1 ? '' : 's'} shown`,
      );
      el.setAttribute('data-loaded', 'true');
      setAlert(alert, null);
    } catch (err) {
      if (gen !== generation || disposed) return;
      replace(tbody);
      setAlert(alert, describeError(err));
    }
    schedule(gen);
  }

  function onFilterChange() {
    const qs = buildPath('', { window: windowSel.value, kind: kindSel.value, severity: sevSel.value });
    history.replaceState(null, '', `#/drift${qs}`);
    void start();
  }
  for (const sel of [windowSel, kindSel, sevSel]) sel.addEventListener('change', onFilterChange);

  pauseButton.addEventListener('click', () => {
    paused = !paused;
    pauseButton.setAttribute('aria-pressed', String(paused));
    replace(pauseButton, paused ? 'Resume auto-refresh' : 'Pause auto-refresh');
    if (paused) window.clearTimeout(timer);
    else void poll(generation);
  });

  // A hidden tab does not poll; it catches up (from the stored cursor) when shown again.
  const onVisibility = () => {
    if (document.hidden) window.clearTimeout(timer);
    else if (!paused) void poll(generation);
  };
  document.addEventListener('visibilitychange', onVisibility);

  void start();
  return {
    el,
    dispose() {
      disposed = true;
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
