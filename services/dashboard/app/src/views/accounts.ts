import { buildPath, describeError, type Query } from '../api';
import type { AppContext, View } from '../context';
import { h, replace, setAlert, skeletonRows, tableHead } from '../dom';
import { fmtTime, statusBadge, statusOrder } from '../format';
import type { AccountSummary, ListResponse } from '../types';

const FILTERS = ['failing', 'control', 'status', 'ou', 'tag', 'q', 'sort', 'limit'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

const DEFAULT_LIMIT = '50';

function readFilters(params: URLSearchParams): Filters {
  const f: Filters = {};
  for (const k of FILTERS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

function toQuery(f: Filters): Query {
  return {
    failing: f.failing === 'true' ? 'true' : undefined,
    control: f.control,
    status: f.status,
    ou: f.ou,
    tag: f.tag,
    q: f.q,
    sort: f.sort,
  };
}

function select(id: string, label: string, options: [string, string][], value: string | undefined) {
  const el = h(
    'select',
    { id, name: id },
    options.map(([v, text]) => h('option', { value: v, selected: (value ?? '') === v }, text)),
  );
  return { wrap: h('div', { class: 'field' }, h('label', { for: id }, label), el), el };
}

function input(id: string, label: string, value: string | undefined, placeholder: string, pattern?: string) {
  const el = h('input', {
    id,
    name: id,
    type: 'search',
    value: value ?? '',
    placeholder,
    pattern,
    autocomplete: 'off',
  });
  return { wrap: h('div', { class: 'field' }, h('label', { for: id }, label), el), el };
}

export function accountsView(ctx: AppContext, params: URLSearchParams): View {
  let filters = readFilters(params);
  let disposed = false;
  let cursors: (string | undefined)[] = [undefined];
  let page = 0;
  let request = 0;

  const failing = h('input', {
    id: 'f-failing',
    name: 'failing',
    type: 'checkbox',
    checked: filters.failing === 'true',
  });
  const control = select('f-control', 'Control', [['', 'Any control']], filters.control);
  const status = select(
    'f-status',
    'Status of the control',
    [['', 'Any status'], ...statusOrder.map((s): [string, string] => [s, s])],
    filters.status,
  );
  const ou = input('f-ou', 'OU (id or path prefix)', filters.ou, 'ou-ab12-xxxxxxxx');
  const tag = input('f-tag', 'Tag', filters.tag, 'key:value', '[^:]+:.*');
  const q = input('f-q', 'Search', filters.q, 'name, id or email');
  const sort = select(
    'f-sort',
    'Sort by',
    [
      ['id', 'Account id'],
      ['name', 'Name'],
    ],
    filters.sort ?? 'id',
  );
  const limit = select(
    'f-limit',
    'Rows',
    [
      ['25', '25'],
      ['50', '50'],
      ['100', '100'],
      ['200', '200'],
    ],
    filters.limit ?? DEFAULT_LIMIT,
  );

  void ctx.controls().then((controls) => {
    for (const c of controls) {
      control.el.append(
        h('option', { value: c.id, selected: filters.control === c.id }, `${c.id} — ${c.title}`),
      );
    }
  });

  const alert = h('div', { role: 'alert' });
  const tbody = h('tbody');
  const count = h('span', { class: 'muted', role: 'status', 'data-testid': 'accounts-count' }, '\u00a0');
  const prev = h('button', { type: 'button', disabled: true }, 'Previous page');
  const next = h('button', { type: 'button', disabled: true, 'data-testid': 'next-page' }, 'Next page');
  const exportButton = h(
    'button',
    { type: 'button', 'data-testid': 'export-csv' },
    'Export all accounts (CSV)',
  );
  const exportStatus = h('span', { class: 'muted', role: 'status' });

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter accounts', role: 'search' },
    h('label', { class: 'inline', for: 'f-failing' }, failing, 'Failing only'),
    control.wrap,
    status.wrap,
    ou.wrap,
    tag.wrap,
    q.wrap,
    sort.wrap,
    limit.wrap,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('button', { type: 'reset' }, 'Reset'),
    ),
  );

  const table = h(
    'table',
    { 'data-testid': 'accounts-table' },
    h('caption', { class: 'visually-hidden' }, 'Accounts and their current root posture'),
    tableHead('Account', 'OU', 'State', 'Failing controls', 'Last assessed'),
    tbody,
  );

  const el = h(
    'div',
    null,
    h('h1', null, 'Accounts'),
    h('section', { class: 'panel' }, form),
    alert,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'accounts-title' },
      h(
        'div',
        { class: 'actions' },
        h('h2', { id: 'accounts-title' }, 'Results'),
        count,
        h('span', { class: 'spacer' }),
        exportButton,
        exportStatus,
      ),
      h('div', { class: 'table-wrap' }, table),
      h('div', { class: 'pager' }, prev, h('span', { 'data-testid': 'page-number' }, ''), next),
    ),
  );

  function row(a: AccountSummary): HTMLElement {
    const shown = filters.control
      ? h(
          'span',
          null,
          statusBadge(a.controls[filters.control] ?? 'UNKNOWN'),
          ' ',
          h('code', null, filters.control),
        )
      : a.failing.length === 0
        ? h('span', { class: 'muted' }, 'none')
        : h(
            'span',
            null,
            a.failing.map((id) => [h('code', { class: 'status-FAIL' }, id), ' ']),
          );
    const ouName = a.ou_path.length ? a.ou_path[a.ou_path.length - 1]!.name : '—';
    return h(
      'tr',
      { 'data-account': a.id, 'data-failing': String(a.failing.length) },
      h('td', null, h('a', { href: `#/accounts/${a.id}` }, a.name), h('div', { class: 'mono muted' }, a.id)),
      h('td', { title: a.ou_path.map((o) => o.name).join(' / ') }, ouName),
      h('td', null, a.state),
      h('td', null, shown),
      h('td', null, fmtTime(a.last_assessed_at)),
    );
  }

  async function load() {
    const id = ++request;
    const pageSize = Number(filters.limit ?? DEFAULT_LIMIT);
    replace(tbody, skeletonRows(Math.min(pageSize, 25), 5));
    prev.disabled = true;
    next.disabled = true;
    el.removeAttribute('data-loaded');
    try {
      const res = await ctx.api.get<ListResponse<AccountSummary>>('/v1/accounts', {
        ...toQuery(filters),
        limit: pageSize,
        cursor: cursors[page],
      });
      if (disposed || id !== request) return;
      setAlert(alert, null);
      replace(
        tbody,
        res.items.length
          ? res.items.map(row)
          : h('tr', null, h('td', { colspan: '5', class: 'muted' }, 'No account matches these filters.')),
      );
      cursors = cursors.slice(0, page + 1);
      if (res.next_cursor) cursors.push(res.next_cursor);
      prev.disabled = page === 0;
      next.disabled = !res.next_cursor;
      replace(count, `${res.items.length} shown${res.next_cursor ? ', more on the next page' : ''}`);
      replace(el.querySelector('[data-testid="page-number"]')!, `Page ${page + 1}`);
      el.setAttribute('data-loaded', 'true');
    } catch (err) {
      if (disposed || id !== request) return;
      replace(tbody);
      setAlert(alert, describeError(err));
    }
  }

  function apply(next: Filters) {
    filters = next;
    cursors = [undefined];
    page = 0;
    const qs = buildPath('', { ...filters });
    // replaceState: the URL can be bookmarked, without re-mounting the form (and losing focus) on each change.
    history.replaceState(null, '', `#/accounts${qs}`);
    void load();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    apply({
      failing: failing.checked ? 'true' : undefined,
      control: control.el.value || undefined,
      status: status.el.value || undefined,
      ou: ou.el.value.trim() || undefined,
      tag: tag.el.value.trim() || undefined,
      q: q.el.value.trim() || undefined,
      sort: sort.el.value === 'id' ? undefined : sort.el.value,
      limit: limit.el.value === DEFAULT_LIMIT ? undefined : limit.el.value,
    });
  });
  form.addEventListener('reset', () => {
    // Let the browser reset the fields first, then load the unfiltered list.
    setTimeout(() => apply({}), 0);
  });
  failing.addEventListener('change', () => form.requestSubmit());
  for (const s of [control.el, status.el, sort.el, limit.el])
    s.addEventListener('change', () => form.requestSubmit());

  prev.addEventListener('click', () => {
    if (page === 0) return;
    page--;
    void load();
  });
  next.addEventListener('click', () => {
    if (cursors[page + 1] === undefined) return;
    page++;
    void load();
  });

  exportButton.addEventListener('click', async () => {
    exportButton.disabled = true;
    replace(exportStatus, 'Preparing CSV…');
    try {
      // A plain link cannot carry the Authorization header: fetch the file, then hand it to the browser.
      // The export is the whole current posture (the API filters it by org only), not the filtered list.
      const blob = await ctx.api.getBlob('/v1/export/accounts.csv');
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: 'rootwatch-accounts.csv', hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      replace(exportStatus, `CSV ready (${Math.ceil(blob.size / 1024)} KB).`);
    } catch (err) {
      replace(exportStatus, describeError(err));
    } finally {
      exportButton.disabled = false;
    }
  });

  void load();
  return {
    el,
    dispose() {
      disposed = true;
    },
  };
}
