import { ApiError, createApiClient, describeError } from './api';
import type { AppContext, View } from './context';
import { h, replace } from './dom';
import { session } from './session';
import type { ControlDef, ListResponse } from './types';
import { accountView } from './views/account';
import { accountsView } from './views/accounts';
import { driftView } from './views/drift';
import { findingsView } from './views/findings';
import { overviewView } from './views/overview';
import { remediationsView } from './views/remediations';
import { rootActivityView } from './views/root-activity';
import { trendView } from './views/trend';

const root = document.getElementById('app')!;
let current: View | null = null;
let loginMessage: string | null = null;
let catalog: Promise<ControlDef[]> | null = null;

const api = createApiClient({
  getKey: () => session.getKey(),
  onUnauthorized: (error) => {
    session.clear();
    catalog = null;
    loginMessage = `${describeError(error)} Your key was cleared from this tab.`;
    render();
  },
});

const ctx: AppContext = {
  api,
  controls() {
    catalog ??= api
      .get<ListResponse<ControlDef> | ControlDef[]>('/v1/controls')
      .then((r) => (Array.isArray(r) ? r : r.items));
    catalog.catch(() => {
      catalog = null;
    });
    return catalog;
  },
  navigate(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
  },
};

const nav = [
  { hash: '#/overview', label: 'Overview', route: 'overview' },
  { hash: '#/trend', label: 'Trend', route: 'trend' },
  { hash: '#/accounts', label: 'Accounts', route: 'accounts' },
  { hash: '#/drift', label: 'Drift feed', route: 'drift' },
  { hash: '#/findings', label: 'Findings', route: 'findings' },
  { hash: '#/root-activity', label: 'Root activity', route: 'root-activity' },
  { hash: '#/remediations', label: 'Remediations', route: 'remediations' },
];

function parseRoute(): { name: string; id?: string; params: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query);
  if (parts[0] === 'accounts' && parts[1])
    return { name: 'account', id: decodeURIComponent(parts[1]), params };
  if (parts[0] === 'remediations' && parts[1])
    return { name: 'remediations', id: decodeURIComponent(parts[1]), params };
  return { name: parts[0] || 'overview', params };
}

function shell(active: string, content: HTMLElement): HTMLElement {
  const main = h('main', { id: 'main', tabindex: '-1' }, content);
  const skip = h(
    'a',
    {
      class: 'skip-link',
      href: '#main',
      onClick: (e: Event) => {
        // The hash is the router's: move focus without navigating.
        e.preventDefault();
        main.focus();
      },
    },
    'Skip to content',
  );
  const signOut = h(
    'button',
    {
      type: 'button',
      onClick: () => {
        session.clear();
        catalog = null;
        loginMessage = 'Signed out. The key was removed from this tab.';
        render();
      },
    },
    'Sign out',
  );
  return h(
    'div',
    null,
    skip,
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'Rootwatch'),
      h(
        'nav',
        { 'aria-label': 'Main' },
        h(
          'ul',
          null,
          nav.map((n) =>
            h(
              'li',
              null,
              h(
                'a',
                {
                  href: n.hash,
                  'aria-current':
                    n.route === active || (active === 'account' && n.route === 'accounts')
                      ? 'page'
                      : undefined,
                },
                n.label,
              ),
            ),
          ),
        ),
      ),
      h('span', { class: 'spacer' }),
      signOut,
    ),
    main,
  );
}

function loginScreen(): HTMLElement {
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'api-key-help',
  });
  const error = h(
    'div',
    { id: 'login-error', role: 'alert', class: loginMessage ? 'alert' : undefined },
    loginMessage ?? '',
  );
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    {
      'aria-labelledby': 'login-title',
      onSubmit: async (e: Event) => {
        e.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        submit.disabled = true;
        session.setKey(key);
        try {
          // Any read proves the key and its read scope; the catalog is needed by every screen anyway.
          await ctx.controls();
          loginMessage = null;
          if (!location.hash || location.hash === '#/login') location.hash = '#/overview';
          render();
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) return; // onUnauthorized re-rendered this screen.
          session.clear();
          replace(error, describeError(err));
          error.className = 'alert';
          submit.disabled = false;
          input.focus();
        }
      },
    },
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h(
      'p',
      { id: 'api-key-help', class: 'muted' },
      'Create one with ',
      h('code', null, 'rootwatch api-keys create --name dashboard --scope read'),
      ' (add ',
      h('code', null, '--scope scans:write'),
      ' to start scans). It is kept in this tab only (session storage).',
    ),
    submit,
  );
  const panel = h(
    'section',
    { class: 'panel login' },
    h('h1', { id: 'login-title' }, 'Rootwatch'),
    error,
    form,
  );
  queueMicrotask(() => input.focus());
  return h('main', { id: 'main' }, panel);
}

function render(): void {
  current?.dispose?.();
  current = null;
  if (!session.getKey()) {
    replace(root, loginScreen());
    document.title = 'Sign in · Rootwatch';
    return;
  }
  const route = parseRoute();
  let view: View;
  switch (route.name) {
    case 'trend':
      view = trendView(ctx, route.params);
      break;
    case 'accounts':
      view = accountsView(ctx, route.params);
      break;
    case 'account':
      view = accountView(ctx, route.id!);
      break;
    case 'drift':
      view = driftView(ctx, route.params);
      break;
    case 'findings':
      view = findingsView(ctx, route.params);
      break;
    case 'root-activity':
      view = rootActivityView(ctx);
      break;
    case 'remediations':
      view = remediationsView(ctx, route.id);
      break;
    default:
      view = overviewView(ctx);
  }
  current = view;
  const hadShell = root.querySelector('header.top') !== null;
  replace(root, shell(route.name, view.el));
  const heading = view.el.querySelector('h1');
  document.title = `${heading?.textContent ?? 'Rootwatch'} · Rootwatch`;
  // After in-app navigation, move focus to the new screen's heading (as a page load would).
  if (hadShell && heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

window.addEventListener('hashchange', render);
render();
