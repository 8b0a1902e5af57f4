import { describeError } from '../api';
import type { AppContext, View } from '../context';
import { h, replace, setAlert, skeletonRows, tableHead } from '../dom';
import { fmtTime } from '../format';

type PlannedCredential = { type: string; id?: string; serial?: string };
type Plan = {
  id: string;
  org_id: string;
  status: string;
  expired: boolean;
  created_by: string;
  created_at: string;
  expires_at: string;
  approved_by: string | null;
  finished_at: string | null;
  accounts: { account_id: string; account_name: string; credentials: PlannedCredential[] }[];
};
type Action = {
  id: number;
  account_id: string | null;
  kind: string;
  credential_id: string | null;
  reason: string | null;
  actor: string | null;
  at: string;
};

const credentialText = (c: PlannedCredential) =>
  (c.id ?? c.serial) ? `${c.type} ${c.id ?? c.serial}` : c.type;
const statusText = (p: Plan) => (p.expired ? 'expired' : p.status);

/**
 * Remediation plans and what each did, read-only: applying stays a deliberate CLI/API step by a second key
 * (ROOT-ACCESS.md), so this screen has no button that changes anything.
 */
export function remediationsView(ctx: AppContext, id?: string): View {
  const alert = h('div', { role: 'alert' });
  const el = h('div', null, h('h1', null, id ? 'Remediation plan' : 'Remediations'), alert);
  if (id) {
    const summary = h('section', { class: 'panel' }, h('p', { class: 'muted' }, 'Loading…'));
    const tbody = h('tbody', null, skeletonRows(5, 5));
    el.append(
      summary,
      h(
        'section',
        { class: 'panel' },
        h('h2', null, 'Actions'),
        h(
          'table',
          { 'data-testid': 'remediation-actions' },
          tableHead('When', 'Step', 'Account', 'Credential', 'Reason'),
          tbody,
        ),
      ),
    );
    ctx.api
      .get<Plan & { actions: Action[] }>(`/v1/remediations/${encodeURIComponent(id)}`)
      .then((plan) => {
        replace(
          summary,
          h(
            'p',
            null,
            `${statusText(plan)} · organization ${plan.org_id} · planned by ${plan.created_by} ${fmtTime(plan.created_at)}${plan.approved_by ? ` · approved by ${plan.approved_by}` : ` · expires ${fmtTime(plan.expires_at)}`}`,
          ),
          h(
            'ul',
            null,
            plan.accounts.map((a) =>
              h(
                'li',
                null,
                `${a.account_id} ${a.account_name}: ${a.credentials.map(credentialText).join(', ')}`,
              ),
            ),
          ),
        );
        replace(
          tbody,
          ...plan.actions.map((a) =>
            h(
              'tr',
              null,
              h('td', null, fmtTime(a.at)),
              h('td', null, a.kind.replaceAll('_', ' ')),
              h('td', null, a.account_id ?? ''),
              h('td', null, a.credential_id ?? ''),
              h('td', null, a.reason ?? ''),
            ),
          ),
        );
      })
      .catch((err) => setAlert(alert, describeError(err)));
    return { el };
  }
  const tbody = h('tbody', null, skeletonRows(5, 5));
  el.append(
    h(
      'section',
      { class: 'panel' },
      h(
        'p',
        { class: 'muted' },
        'Plans are made and applied with rootwatch remediate or the API (a second key approves).',
      ),
      h(
        'table',
        { 'data-testid': 'remediation-plans' },
        tableHead('Plan', 'Status', 'Accounts', 'Planned by', 'Approved by'),
        tbody,
      ),
    ),
  );
  ctx.api
    .get<{ items: Plan[] }>('/v1/remediations', { limit: 100 })
    .then((page) => {
      replace(
        tbody,
        ...(page.items.length === 0
          ? [h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No remediation plan yet.'))]
          : page.items.map((p) =>
              h(
                'tr',
                null,
                h(
                  'td',
                  null,
                  h(
                    'a',
                    { href: `#/remediations/${p.id}` },
                    `${p.id.slice(0, 8)} · ${fmtTime(p.created_at)}`,
                  ),
                ),
                h('td', null, statusText(p)),
                h('td', null, String(p.accounts.length)),
                h('td', null, p.created_by),
                h('td', null, p.approved_by ?? '—'),
              ),
            )),
      );
    })
    .catch((err) => setAlert(alert, describeError(err)));
  return { el };
}
