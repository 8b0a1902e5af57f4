import { describeError } from '../api';
import type { AppContext, View } from '../context';
import { h, replace, setAlert, skeletonRows, tableHead } from '../dom';
import { fmtTime } from '../format';
import type { FeedResponse, RootActivity } from '../types';

const REFRESH_MS = 3000;
const KEEP = 500;
const MAX_INITIAL_PAGES = 20;
const KIND_LABEL: Record<RootActivity['kind'], string> = {
  console_login: 'Console sign-in',
  api_call: 'API call',
  root_session: 'Root session (AssumeRoot)',
};

/** Rows of root activity, newest first; shared with the account view's timeline. */
export function rootActivityRows(items: RootActivity[], withAccount: boolean): HTMLElement[] {
  return items.map((a) =>
    h(
      'tr',
      { 'data-event-id': a.cloudtrail_event_id, 'data-kind': a.kind },
      h('td', null, fmtTime(a.event_time)),
      h('td', null, KIND_LABEL[a.kind] ?? a.kind, h('div', { class: 'muted mono' }, a.event_name)),
      withAccount
        ? h('td', null, h('a', { href: `#/accounts/${a.account_id}`, class: 'mono' }, a.account_id))
        : null,
      h('td', { class: 'mono' }, a.source_ip ?? '—'),
      h('td', null, a.mfa_used === null ? '—' : a.mfa_used ? 'yes' : h('strong', null, 'no')),
      h(
        'td',
        null,
        a.success ? 'success' : h('strong', null, `failed${a.error_code ? ` (${a.error_code})` : ''}`),
      ),
      h('td', null, a.region ?? '—'),
    ),
  );
}

export const ROOT_ACTIVITY_HEAD = ['When', 'What', 'Source IP', 'MFA', 'Result', 'Region'];

/**
 * Root activity from CloudTrail (GET /v1/root-activity): the last 7 days, then polled every few seconds
 * after the stored cursor, so a root sign-in shows up within seconds of the consumer recording it.
 */
export function rootActivityView(ctx: AppContext): View {
  let disposed = false;
  let timer: number | undefined;
  let cursor: string | null = null;
  let items: RootActivity[] = [];
  const alert = h('div', { role: 'alert' });
  const counts = h('p', { class: 'muted', 'data-testid': 'root-activity-counts' }, '\u00a0');
  const status = h('div', { class: 'feed-status muted', role: 'status' }, '\u00a0');
  const tbody = h('tbody', null, skeletonRows(6, 7));
  const el = h(
    'div',
    null,
    h('h1', null, 'Root activity'),
    h(
      'section',
      { class: 'panel' },
      h(
        'p',
        null,
        'Root sign-ins and API calls as CloudTrail reports them through EventBridge, within seconds — ',
        'the credential report alone lags up to 4 hours.',
      ),
      counts,
      status,
    ),
    alert,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'ra-title' },
      h('h2', { id: 'ra-title' }, 'Newest first (last 7 days)'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'root-activity-table' },
          tableHead('When', 'What', 'Account', 'Source IP', 'MFA', 'Result', 'Region'),
          tbody,
        ),
      ),
    ),
  );

  function render() {
    const newest = [...items].sort((a, b) => b.event_time.localeCompare(a.event_time) || b.id - a.id);
    replace(
      tbody,
      newest.length
        ? rootActivityRows(newest, true)
        : h('tr', null, h('td', { colspan: '7', class: 'muted' }, 'No root activity in the last 7 days.')),
    );
  }

  async function loadCounts() {
    const summary = await ctx.api.get<{
      organizations: {
        org_id: string;
        root_activity?: { accounts_last_24h: number; accounts_last_7d: number };
      }[];
    }>('/v1/summary');
    if (disposed) return;
    let day = 0;
    let week = 0;
    for (const org of summary.organizations) {
      day += org.root_activity?.accounts_last_24h ?? 0;
      week += org.root_activity?.accounts_last_7d ?? 0;
    }
    replace(counts, `Accounts with root activity: ${day} in the last 24 hours, ${week} in the last 7 days.`);
  }

  async function poll(initial: boolean) {
    try {
      let pages = 0;
      for (;;) {
        const query: Record<string, string | number> = { limit: 500 };
        if (cursor) query.after = cursor;
        else query.since = new Date(Date.now() - 7 * 86_400_000).toISOString();
        const page = await ctx.api.get<FeedResponse<RootActivity>>('/v1/root-activity', query);
        if (disposed) return;
        items = [...items, ...page.items].slice(-KEEP);
        if (page.next_cursor) cursor = page.next_cursor;
        pages++;
        if (!page.has_more || (initial && pages >= MAX_INITIAL_PAGES)) break;
      }
      if (!initial) void loadCounts().catch(() => {});
      setAlert(alert, null);
      render();
      replace(status, `Updated ${new Date().toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} s`);
    } catch (err) {
      if (!disposed) setAlert(alert, describeError(err));
    }
    if (!disposed) timer = window.setTimeout(() => void poll(false), REFRESH_MS);
  }

  void loadCounts().catch((err) => setAlert(alert, describeError(err)));
  void poll(true);
  return {
    el,
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
