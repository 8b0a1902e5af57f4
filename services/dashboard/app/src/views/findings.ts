import { describeError, type Query } from '../api';
import type { AppContext, View } from '../context';
import { h, replace, setAlert, skeletonRows, tableHead } from '../dom';
import { fmtTime, severityBadge } from '../format';
import type { FeedResponse, Finding, FindingException, ListResponse } from '../types';

// The feed is in change order: a few pages show the most recently changed findings first.
const MAX_PAGES = 5;
const KEEP = 500;
const WORKFLOWS = ['new', 'acknowledged', 'suppressed'] as const;

/**
 * Findings with their workflow (triage): acknowledge, attach a ticket, add a note, accept the risk with an
 * exception (reason + expiry) and revoke exceptions. A key without the scope sees the API's 403 message.
 */
export function findingsView(ctx: AppContext, params: URLSearchParams): View {
  let disposed = false;
  let findings: Finding[] = [];
  let selected: Finding | null = null;

  const statusSel = h(
    'select',
    { id: 'f-status', name: 'status' },
    h('option', { value: 'open', selected: (params.get('status') ?? 'open') === 'open' }, 'Open'),
    h('option', { value: 'resolved', selected: params.get('status') === 'resolved' }, 'Resolved'),
    h('option', { value: '', selected: params.get('status') === '' }, 'Any'),
  );
  const workflowSel = h(
    'select',
    { id: 'f-workflow', name: 'workflow' },
    h('option', { value: '' }, 'Any workflow'),
    WORKFLOWS.map((w) => h('option', { value: w, selected: params.get('workflow') === w }, w)),
  );
  const accountInput = h('input', {
    id: 'f-account',
    name: 'account',
    inputmode: 'numeric',
    pattern: '[0-9]{12}',
    placeholder: '12-digit id',
    value: params.get('account') ?? '',
  });
  const alert = h('div', { role: 'alert' });
  const status = h('div', { role: 'status', class: 'muted', 'data-testid': 'findings-status' }, '\u00a0');
  const tbody = h('tbody', null, skeletonRows(8, 7));
  const detail = h('section', {
    class: 'panel',
    'aria-labelledby': 'finding-detail-title',
    'data-testid': 'finding-detail',
    hidden: true,
  });
  const exceptionsBody = h('tbody');

  const el = h(
    'div',
    null,
    h('h1', null, 'Findings'),
    h(
      'section',
      { class: 'panel' },
      h(
        'form',
        {
          class: 'filters',
          'aria-label': 'Filter findings',
          onSubmit: (e: Event) => {
            e.preventDefault();
            void load();
          },
          onChange: () => void load(),
        },
        h('div', { class: 'field' }, h('label', { for: 'f-status' }, 'Status'), statusSel),
        h('div', { class: 'field' }, h('label', { for: 'f-workflow' }, 'Workflow'), workflowSel),
        h('div', { class: 'field' }, h('label', { for: 'f-account' }, 'Account'), accountInput),
      ),
      status,
    ),
    alert,
    detail,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'findings-list-title' },
      h('h2', { id: 'findings-list-title' }, 'Most recently changed first'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'findings-table' },
          tableHead('Account', 'Control', 'Severity', 'Status', 'Workflow', 'Ticket', ''),
          tbody,
        ),
      ),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'exceptions-title' },
      h('h2', { id: 'exceptions-title' }, 'Live exceptions'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'exceptions-table' },
          tableHead('Control', 'Scope', 'Reason', 'Expires', 'By', { label: 'Findings', num: true }, ''),
          exceptionsBody,
        ),
      ),
    ),
  );

  function workflowBadge(f: Finding): HTMLElement {
    return h('span', { class: `badge workflow-${f.workflow}`, 'data-testid': 'workflow' }, f.workflow);
  }

  function renderRows() {
    replace(
      tbody,
      findings.length
        ? findings.map((f) =>
            h(
              'tr',
              {
                'data-finding': String(f.id),
                'data-suppressed': f.workflow === 'suppressed' ? 'true' : undefined,
                class: f.workflow === 'suppressed' ? 'suppressed' : undefined,
              },
              h('td', null, h('a', { href: `#/accounts/${f.account_id}`, class: 'mono' }, f.account_id)),
              h('td', null, f.control_id),
              h('td', null, severityBadge(f.severity)),
              h('td', null, f.status),
              h(
                'td',
                null,
                workflowBadge(f),
                f.workflow === 'suppressed'
                  ? h('span', { class: 'visually-hidden' }, ' (risk accepted)')
                  : null,
              ),
              h('td', null, f.ticket ? ticketLink(f.ticket) : '—'),
              h(
                'td',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    'aria-label': `Manage finding ${f.id}`,
                    onClick: () => select(f),
                  },
                  'Manage',
                ),
              ),
            ),
          )
        : h('tr', null, h('td', { colspan: '7', class: 'muted' }, 'No findings match.')),
    );
  }

  function ticketLink(t: NonNullable<Finding['ticket']>): HTMLElement {
    const label = `${t.system} ${t.key}`;
    return t.url
      ? h('a', { href: t.url, rel: 'noopener noreferrer', target: '_blank' }, label)
      : h('span', null, label);
  }

  /** Runs one write; the answer (or the API's refusal) shows in the alert region. */
  async function act(what: string, write: () => Promise<Finding | unknown>) {
    try {
      const result = await write();
      setAlert(alert, null);
      replace(status, `${what}: done.`);
      if (result && typeof result === 'object' && 'workflow' in result) {
        const updated = result as Finding;
        findings = findings.map((f) => (f.id === updated.id ? updated : f));
        renderRows();
        select(updated);
      } else {
        await load();
        // List reads may be served from the API's one-second micro-cache: read again once it has expired.
        window.setTimeout(() => void (disposed ? null : load()), 1200);
      }
    } catch (err) {
      setAlert(alert, `${what} failed: ${describeError(err)}`);
    }
  }

  function select(f: Finding) {
    selected = f;
    const patch = (body: unknown) => ctx.api.patch<Finding>(`/v1/findings/${f.id}`, body);
    const system = h('input', {
      id: 'ticket-system',
      name: 'system',
      value: f.ticket?.system ?? 'jira',
      required: true,
    });
    const key = h('input', { id: 'ticket-key', name: 'key', value: f.ticket?.key ?? '', required: true });
    const url = h('input', { id: 'ticket-url', name: 'url', type: 'url', value: f.ticket?.url ?? '' });
    const note = h('textarea', {
      id: 'note-text',
      name: 'note',
      maxlength: '2000',
      rows: '3',
      required: true,
    });
    const reason = h('textarea', {
      id: 'exception-reason',
      name: 'reason',
      maxlength: '2000',
      rows: '2',
      required: true,
    });
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    const expiry = h('input', {
      id: 'exception-expiry',
      name: 'expires',
      type: 'date',
      value: inDays(90),
      min: inDays(1),
      max: inDays(366),
      required: true,
    });
    const allControls = h('input', { id: 'exception-all', name: 'all', type: 'checkbox' });

    replace(
      detail,
      h('h2', { id: 'finding-detail-title' }, `Finding ${f.id}: ${f.control_id} on ${f.account_id}`),
      h(
        'p',
        null,
        'Workflow ',
        workflowBadge(f),
        f.workflow_changed_by
          ? ` · last changed by ${f.workflow_changed_by} at ${fmtTime(f.workflow_changed_at)}`
          : '',
      ),
      f.workflow === 'suppressed'
        ? h(
            'p',
            { class: 'note' },
            'Suppressed by an exception: revoke it below to bring the finding back to new.',
          )
        : h(
            'div',
            { class: 'actions' },
            f.workflow === 'acknowledged'
              ? h(
                  'button',
                  { type: 'button', onClick: () => void act('Reopen', () => patch({ workflow: 'new' })) },
                  'Mark as new',
                )
              : h(
                  'button',
                  {
                    type: 'button',
                    class: 'primary',
                    onClick: () => void act('Acknowledge', () => patch({ workflow: 'acknowledged' })),
                  },
                  'Acknowledge',
                ),
          ),
      h(
        'form',
        {
          'aria-label': 'Attach a ticket',
          class: 'filters',
          onSubmit: (e: Event) => {
            e.preventDefault();
            const ticket = {
              system: system.value.trim(),
              key: key.value.trim(),
              ...(url.value.trim() ? { url: url.value.trim() } : {}),
            };
            void act('Attach ticket', () => patch({ ticket }));
          },
        },
        h('div', { class: 'field' }, h('label', { for: 'ticket-system' }, 'Ticket system'), system),
        h('div', { class: 'field' }, h('label', { for: 'ticket-key' }, 'Ticket key'), key),
        h('div', { class: 'field' }, h('label', { for: 'ticket-url' }, 'Ticket URL'), url),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Attach ticket')),
      ),
      h(
        'form',
        {
          'aria-label': 'Add a note',
          onSubmit: (e: Event) => {
            e.preventDefault();
            void act('Add note', () => patch({ note: note.value }));
          },
        },
        h('div', { class: 'field' }, h('label', { for: 'note-text' }, 'Note'), note),
        h('button', { type: 'submit' }, 'Add note'),
      ),
      f.notes.length
        ? h(
            'ul',
            { 'data-testid': 'notes' },
            f.notes.map((n) =>
              h('li', null, h('span', { class: 'muted' }, `${fmtTime(n.at)} ${n.by}: `), n.text),
            ),
          )
        : null,
      f.workflow === 'suppressed' || f.status !== 'open'
        ? null
        : h(
            'form',
            {
              'aria-label': 'Create an exception',
              onSubmit: (e: Event) => {
                e.preventDefault();
                void act('Create exception', () =>
                  ctx.api.post('/v1/exceptions', {
                    control_id: allControls.checked ? '*' : f.control_id,
                    scope: { account_id: f.account_id },
                    reason: reason.value,
                    expires_at: `${expiry.value}T00:00:00Z`,
                  }),
                );
              },
            },
            h('h3', null, 'Accept the risk (exception for this account)'),
            h('div', { class: 'field' }, h('label', { for: 'exception-reason' }, 'Reason'), reason),
            h('div', { class: 'field' }, h('label', { for: 'exception-expiry' }, 'Expires on'), expiry),
            h(
              'div',
              { class: 'field' },
              allControls,
              h('label', { for: 'exception-all' }, 'Every control of this account'),
            ),
            h('button', { type: 'submit' }, 'Create exception'),
          ),
    );
    detail.hidden = false;
  }

  function renderExceptions(items: FindingException[]) {
    replace(
      exceptionsBody,
      items.length
        ? items.map((x) =>
            h(
              'tr',
              { 'data-exception': x.id },
              h('td', null, x.control_id === '*' ? 'every control' : x.control_id),
              h(
                'td',
                { class: 'mono' },
                Object.entries(x.scope)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', '),
              ),
              h('td', null, x.reason),
              h('td', null, fmtTime(x.expires_at)),
              h('td', null, x.created_by),
              h('td', { class: 'num' }, String(x.covered_findings)),
              h(
                'td',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    'aria-label': `Revoke exception ${x.id}`,
                    onClick: () =>
                      void act('Revoke exception', () => ctx.api.delete(`/v1/exceptions/${x.id}`)),
                  },
                  'Revoke',
                ),
              ),
            ),
          )
        : h('tr', null, h('td', { colspan: '7', class: 'muted' }, 'No live exception.')),
    );
  }

  async function load() {
    const query: Query = {
      status: statusSel.value || undefined,
      workflow: workflowSel.value || undefined,
      account: /^[0-9]{12}$/.test(accountInput.value) ? accountInput.value : undefined,
      limit: 1000,
    };
    try {
      let cursor: string | null = null;
      let rows: Finding[] = [];
      for (let page = 0; page < MAX_PAGES; page++) {
        const res: FeedResponse<Finding> = await ctx.api.get('/v1/findings', {
          ...query,
          ...(cursor ? { updated_after: cursor } : {}),
        });
        rows = rows.concat(res.items).slice(-KEEP);
        cursor = res.next_cursor;
        if (!res.has_more) break;
      }
      const live = await ctx.api.get<ListResponse<FindingException>>('/v1/exceptions', { state: 'live' });
      if (disposed) return;
      findings = rows.reverse();
      renderRows();
      renderExceptions(live.items);
      if (selected) {
        const fresh = findings.find((f) => f.id === selected!.id);
        if (fresh) select(fresh);
      }
      el.setAttribute('data-loaded', 'true');
    } catch (err) {
      if (!disposed) setAlert(alert, describeError(err));
    }
  }

  void load();
  return {
    el,
    dispose() {
      disposed = true;
    },
  };
}
