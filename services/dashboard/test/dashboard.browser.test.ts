import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKeysUsecases, createLogger } from '@rootwatch/api';
import { loadConfig } from '@rootwatch/config';
import { startRootEventsRole } from '@rootwatch/worker';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDir, buildDashboard, CHROMIUM, launchChromium } from './browser';
import { type DemoInstance, startDemoInstance } from './demo-instance';

const hasChromium = existsSync(CHROMIUM);

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies.
type Json = any;
if (!hasChromium) {
  console.warn(
    `dashboard browser tests skipped: ${CHROMIUM} is absent (install it with: apt-get install -y chromium)`,
  );
}

interface Summary {
  organizations: {
    accounts: { total: number; assessed: number; unreachable: number };
    controls: { control_id: string; compliance_pct: number | null }[];
    open_findings: Record<string, number>;
  }[];
}

const fmtPct = (n: number | null) => (n === null ? 'n/a' : `${Math.round(n * 10) / 10} %`);

describe.skipIf(!hasChromium)('dashboard in Chromium against a demo instance', () => {
  let demo: DemoInstance;
  let context: BrowserContext;
  let page: Page;
  let distDir: string;
  let profileDir: string;
  let patchedAccount: string;
  const consoleErrors: string[] = [];
  const figures: Record<string, unknown> = {};

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${demo.url}${path}`, {
      headers: { authorization: `Bearer ${demo.keys.write}` },
    });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  const watchConsole = (p: Page, sink: string[]) => {
    p.on('console', (msg) => {
      if (msg.type() === 'error') sink.push(`${msg.text()} @ ${msg.location().url}`);
    });
    p.on('pageerror', (error) => sink.push(`pageerror: ${error.message}`));
  };

  const signIn = async (p: Page, key: string) => {
    await p.goto(demo.url);
    await p.getByLabel('API key').fill(key);
    await p.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    // Build the current source, so the test never runs against a stale dist/.
    distDir = mkdtempSync(join(tmpdir(), 'rootwatch-dashboard-dist-'));
    Object.assign(figures, buildDashboard(distDir));

    demo = await startDemoInstance({ accounts: 150, seed: 20261128, distDir });
    const first = await demo.scan();
    expect(first.status).toMatch(/succeeded|partial/);

    // Drift for the history view: remove the root MFA of a healthy account, then scan again.
    const target = demo.sim
      .definition()
      .accounts.find(
        (a) =>
          a.state === 'ACTIVE' && a.auditRole && a.root.password && a.root.mfa === 'hardware' && !a.faults,
      );
    expect(target, 'the generated org has an ACTIVE account with a hardware MFA on root').toBeDefined();
    patchedAccount = target!.id;
    const patch = await fetch(`${demo.sim.endpoint}/_sim/accounts/${patchedAccount}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ root: { mfa: 'none' } }),
    });
    expect(patch.status).toBe(200);
    const second = await demo.scan();
    expect(second.status).toMatch(/succeeded|partial/);

    profileDir = mkdtempSync(join(tmpdir(), 'rootwatch-chromium-'));
    context = await launchChromium(profileDir);
    page = await context.newPage();
    watchConsole(page, consoleErrors);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await demo?.stop();
    for (const dir of [distDir, profileDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    if (Object.keys(figures).length) {
      writeFileSync(join(artifactsDir, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
      console.log('dashboard figures', figures);
    }
  });

  it('a wrong key gets a clear 401 message and stays on the sign-in screen', async () => {
    const other = await context.newPage();
    try {
      await signIn(other, `rw_000000000000_${'x'.repeat(43)}`);
      await expect.poll(() => other.getByRole('alert').textContent()).toContain('401');
      expect(await other.getByLabel('API key').isVisible()).toBe(true);
      expect(await other.evaluate('sessionStorage.length')).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('after entering the key, the overview shows the numbers of /v1/summary', async () => {
    await signIn(page, demo.keys.write);
    await page.locator('[data-loaded="true"] h1', { hasText: 'Overview' }).waitFor();
    const summary = await api<Summary>('/v1/summary');
    const org = summary.organizations[0]!;
    expect(summary.organizations).toHaveLength(1);
    expect(org.accounts.assessed).toBeGreaterThan(0);

    const text = (id: string) => page.getByTestId(id).textContent();
    expect(await text('accounts-total')).toBe(org.accounts.total.toLocaleString('en-US'));
    expect(await text('accounts-assessed')).toBe(org.accounts.assessed.toLocaleString('en-US'));
    expect(await text('accounts-unreachable')).toBe(org.accounts.unreachable.toLocaleString('en-US'));
    expect(await text('findings-total')).toBe(String(org.open_findings.total));
    for (const sev of ['critical', 'high', 'medium', 'low']) {
      expect(await text(`findings-${sev}`), sev).toBe(String(org.open_findings[sev]));
    }
    await page.getByText('Show as table').first().click();
    for (const control of org.controls) {
      const cell = page.locator(
        `[data-testid="compliance-table"] tr[data-control="${control.control_id}"] [data-testid="control-compliance"]`,
      );
      expect(await cell.textContent(), control.control_id).toBe(fmtPct(control.compliance_pct));
    }
    await page.getByText('Show as table').first().click();
    await page.screenshot({ path: join(artifactsDir, 'overview.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(artifactsDir, 'overview-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    // Time to first render: navigation start → the overview's numbers are in the page (the key is in session storage).
    await page.reload();
    await page.locator('[data-loaded="true"] h1', { hasText: 'Overview' }).waitFor();
    figures.overviewFirstRenderMs = await page.evaluate(
      "Math.round(performance.getEntriesByName('rootwatch:overview-rendered')[0].startTime)",
    );
    figures.overviewAccounts = org.accounts.total;
    // Skeletons reserve the space of what loads: nothing already on screen moves when the data arrives.
    const layoutShift = (await page.evaluate(`new Promise((resolve) => {
      let cls = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value;
      }).observe({ type: 'layout-shift', buffered: true });
      setTimeout(() => resolve(cls), 200);
    })`)) as number;
    figures.overviewCumulativeLayoutShift = Math.round(layoutShift * 1000) / 1000;
    expect(layoutShift).toBeLessThan(0.1);
  });

  it('filters the accounts to failing ones, with the keyboard', async () => {
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.locator('div[data-loaded="true"] h1', { hasText: 'Accounts' }).waitFor();
    await page.getByLabel('Failing only').focus();
    await page.keyboard.press('Space');
    await page.waitForURL(/failing=true/);
    await page.locator('div[data-loaded="true"] h1', { hasText: 'Accounts' }).waitFor();

    const expected = await api<{ items: { id: string; failing: string[] }[] }>(
      '/v1/accounts?failing=true&limit=50',
    );
    expect(expected.items.length).toBeGreaterThan(0);
    const rows = page.locator('[data-testid="accounts-table"] tbody tr[data-account]');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-account')))).toEqual(
      expected.items.map((a) => a.id),
    );
    const failingCounts = await rows.evaluateAll((trs) =>
      trs.map((tr) => Number(tr.getAttribute('data-failing'))),
    );
    expect(failingCounts.every((n) => n > 0)).toBe(true);
    await page.screenshot({ path: join(artifactsDir, 'accounts-failing.png'), fullPage: true });

    // The tag filter goes to the API as tag=key:value.
    const tagged = expected.items
      .map((a) => a as { id: string; tags?: Record<string, string> })
      .find((a) => a.tags?.env);
    expect(tagged, 'a failing account has an env tag').toBeDefined();
    const tag = `env:${tagged!.tags!.env}`;
    await page.getByLabel('Tag', { exact: true }).fill(tag);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(new RegExp(`tag=${encodeURIComponent(tag)}`));
    await page.locator('div[data-loaded="true"] h1', { hasText: 'Accounts' }).waitFor();
    const byTag = await api<{ items: { id: string }[] }>(
      `/v1/accounts?failing=true&tag=${encodeURIComponent(tag)}&limit=50`,
    );
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-account')))).toEqual(
      byTag.items.map((a) => a.id),
    );
    await page.getByLabel('Tag', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => !url.hash.includes('tag='));
    await page.locator('div[data-loaded="true"] h1', { hasText: 'Accounts' }).waitFor();

    // The export needs the Authorization header: the app fetches it and hands the browser a file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export all accounts (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('rootwatch-accounts.csv');
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toContain('account_id');
    expect(csv[0]).toContain('root.mfa');
    const summary = await api<Summary>('/v1/summary');
    expect(csv.length - 1).toBe(summary.organizations[0]!.accounts.total);
  });

  it('opens a failing account and shows its current results, history and drift', async () => {
    await page.getByLabel('Search').fill(patchedAccount);
    await page.getByLabel('Search').press('Enter');
    await page.locator(`tr[data-account="${patchedAccount}"]`).waitFor();
    await page.locator(`tr[data-account="${patchedAccount}"] a`).click();
    await page.waitForURL(new RegExp(`#/accounts/${patchedAccount}$`));
    await page.locator('div[data-loaded="true"] [data-testid="control-results"]').waitFor();

    const mfa = page.locator('[data-testid="control-results"] tr[data-control="root.mfa"]');
    expect(await mfa.getAttribute('data-status')).toBe('FAIL');
    expect((await mfa.textContent())?.length).toBeGreaterThan(20);

    const versions = page.locator('[data-testid="history"] li[data-version]');
    await versions.first().waitFor();
    expect(await versions.count()).toBe(2);
    expect(await versions.first().textContent()).toContain('current');
    expect(await versions.first().locator('.changes').textContent()).toMatch(/root\.mfa: Pass → Fail/);

    await page.locator('[data-testid="account-drift"] li[data-event]').first().waitFor();
    expect(await page.getByTestId('account-drift').textContent()).toContain('root.mfa: PASS → FAIL');
    await page.getByText('Evidence').first().click();
    await page.screenshot({ path: join(artifactsDir, 'account.png'), fullPage: true });
  });

  it('draws the compliance trend', async () => {
    await page.getByRole('link', { name: 'Trend' }).click();
    await page.locator('div[data-loaded="true"] h1', { hasText: 'Trend' }).waitFor();
    expect(await page.locator('svg.line-chart circle.dot').count()).toBeGreaterThan(0);
    await page.getByLabel('Range', { exact: true }).selectOption('7d');
    await page.locator('div[data-loaded="true"] h1', { hasText: 'Trend' }).waitFor();
    expect(await page.locator('svg.line-chart g.series').count()).toBe(11);
    // Each legend swatch has the colour of its line.
    const colours =
      (await page.evaluate(`[...document.querySelectorAll('.legend input[data-series]')].map((input) => [
      input.nextElementSibling.getAttribute('class').replace('swatch ', ''),
      document.querySelector('svg.line-chart g[data-series="' + input.dataset.series + '"]').getAttribute('class').replace('series ', ''),
    ])`)) as [string, string][];
    expect(colours).toHaveLength(11);
    for (const [legend, line] of colours) expect(legend).toBe(line);
    expect(new Set(colours.map(([c]) => c)).size, 'every series has its own colour').toBe(11);
    await page.screenshot({ path: join(artifactsDir, 'trend.png'), fullPage: true });
  });

  it('shows the drift feed newest first and polls it with If-None-Match (304 when idle)', async () => {
    await page.getByRole('link', { name: 'Drift feed' }).click();
    await page.locator('div[data-loaded="true"] h1', { hasText: 'Drift feed' }).waitFor();
    const ids = await page
      .locator('[data-testid="drift-table"] tbody tr[data-event]')
      .evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-event'))));
    expect(ids.length).toBeGreaterThan(0);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const notModified = await page.waitForResponse(
      (res) => res.url().includes('/v1/drift-events') && res.status() === 304,
      { timeout: 20_000 },
    );
    expect(notModified.request().headers()['if-none-match']).toBeTruthy();
    await expect.poll(() => page.getByTestId('feed-status').textContent()).toContain('304');
    await page.screenshot({ path: join(artifactsDir, 'drift.png'), fullPage: true });
  });

  it('starts a scan and follows its progress to 100 %', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('div[data-loaded="true"] h1', { hasText: 'Overview' }).waitFor();
    const before = await api<{ items: { id: string }[] }>('/v1/scans?limit=1');
    await page.getByRole('button', { name: 'Scan now' }).click();
    // The default AWS request budget (100/s) makes this scan last seconds: the bar must move, not just jump.
    const seen = new Set<string>();
    const pct = page.getByTestId('scan-progress-pct');
    await expect
      .poll(
        async () => {
          const text = (await pct.count()) ? ((await pct.textContent()) ?? '') : '';
          if (text) seen.add(text);
          return text;
        },
        { timeout: 120_000, interval: 200 },
      )
      .toBe('100 %');
    const values = [...seen].map((t) => Number.parseInt(t, 10));
    expect(
      values.some((v) => v > 0 && v < 100),
      `progress values seen: ${[...seen].join(', ')}`,
    ).toBe(true);
    expect(values, 'progress never goes back').toEqual([...values].sort((a, b) => a - b));
    figures.scanProgressValuesSeen = [...seen];
    await expect
      .poll(() => page.getByTestId('scan-message').textContent(), { timeout: 30_000 })
      .toMatch(/Scan (succeeded|partial)/);
    const after = await api<{
      items: { id: string; status: string; progress: { done: number; total: number } }[];
    }>('/v1/scans?limit=1');
    const run = after.items[0]!;
    expect(run.id).not.toBe(before.items[0]!.id);
    expect(run.progress.done).toBe(run.progress.total);
    expect(await page.locator('progress').getAttribute('data-run')).toBe(run.id);
    await page.screenshot({ path: join(artifactsDir, 'scan-finished.png'), fullPage: true });
  }, 180_000);

  it('shows a root sign-in on the Root activity page within seconds, and on the account timeline', async () => {
    const consumer = startRootEventsRole({
      config: {
        ...loadConfig({ AWS_REGION: demo.sim.region, AWS_ENDPOINT_URL: demo.sim.endpoint }),
        events: { waitSeconds: 1 },
      },
      queueUrl: `${demo.sim.endpoint}/${demo.sim.definition().organization.managementAccountId}/rootwatch-root-activity`,
      db: demo.testDb.database.db,
      logger: createLogger({ level: 'silent' }),
      credentials: demo.sim.credentials,
    });
    try {
      await page.goto(`${demo.url}/#/root-activity`);
      await page.locator('h1', { hasText: 'Root activity' }).waitFor();
      const posted = await fetch(`${demo.sim.endpoint}/_sim/accounts/${patchedAccount}/root-activity`, {
        method: 'POST',
        body: JSON.stringify({ kind: 'console_login', sourceIp: '203.0.113.77', mfaUsed: false }),
      });
      expect(posted.status).toBe(202);
      const { eventId } = (await posted.json()) as { eventId: string };
      const row = page.locator(`[data-testid="root-activity-table"] tr[data-event-id="${eventId}"]`);
      await row.waitFor({ timeout: 15_000 });
      expect(await row.textContent()).toContain('203.0.113.77');
      // The summary is cached for 5 s (summary.ts); the page reloads it on every poll.
      await expect
        .poll(() => page.getByTestId('root-activity-counts').textContent(), { timeout: 15_000 })
        .toContain('1 in the last 24 hours');
      await page.screenshot({ path: join(artifactsDir, 'root-activity.png'), fullPage: true });
      await row.getByRole('link').click();
      await page.locator(`[data-testid="account-root-activity"] tr[data-event-id="${eventId}"]`).waitFor();
    } finally {
      await consumer.stop();
    }
  });

  it('made no console error in the whole session', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('a read-only key is told it cannot start scans (403) and the button goes away', async () => {
    const other = await context.newPage();
    try {
      await signIn(other, demo.keys.read);
      await other.locator('[data-loaded="true"] h1', { hasText: 'Overview' }).waitFor();
      await other.getByRole('button', { name: 'Scan now' }).click();
      await expect.poll(() => other.getByTestId('scan-message').textContent()).toContain('scans:write');
      expect(await other.getByRole('button', { name: 'Scan now' }).isHidden()).toBe(true);
    } finally {
      await other.close();
    }
  });

  it("a filter the API rejects shows the API's validation message and keeps the form", async () => {
    const other = await context.newPage();
    try {
      await signIn(other, demo.keys.read);
      await other.locator('[data-loaded="true"] h1', { hasText: 'Overview' }).waitFor();
      await other.getByRole('link', { name: 'Accounts' }).click();
      await other.locator('div[data-loaded="true"] h1', { hasText: 'Accounts' }).waitFor();
      await other.getByLabel('OU (id or path prefix)').fill('not an OU');
      await other.getByRole('button', { name: 'Apply' }).click();
      await expect
        .poll(() => other.getByRole('alert').first().textContent())
        .toMatch(/ou.*\(400 invalid_request\)/);
      expect(await other.getByLabel('OU (id or path prefix)').inputValue()).toBe('not an OU');
    } finally {
      await other.close();
    }
  });

  // The findings workflow on the same demo instance and browser (one build, one demo for the whole file).
  describe('findings workflow', () => {
    let page: Page;
    let triageKey: string;
    let finding: Json;
    const consoleErrors: string[] = [];

    const api = async (path: string): Promise<Json> => {
      const res = await fetch(`${demo.url}${path}`, {
        headers: { authorization: `Bearer ${demo.keys.read}` },
      });
      expect(res.status, path).toBe(200);
      return res.json();
    };
    const row = () => page.locator(`[data-testid="findings-table"] tr[data-finding="${finding.id}"]`);
    const detail = () => page.getByTestId('finding-detail');

    // A fresh tab per key: the key lives in the tab's session storage.
    const signIn = async (key: string) => {
      await page?.close();
      page = await context.newPage();
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      await page.goto(`${demo.url}/#/findings`);
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-loaded="true"] h1', { hasText: 'Findings' }).waitFor();
    };

    beforeAll(async () => {
      triageKey = (
        await createApiKeysUsecases({ db: demo.testDb.database.db }).createApiKey({
          name: 'triage',
          scopes: ['read', 'findings:write', 'exceptions:write'],
        })
      ).key;
      // The newest open finding: the findings page keeps the latest 500 rows of the feed.
      let cursor: string | null = null;
      do {
        const page: Json = await api(
          `/v1/findings?status=open&limit=1000${cursor ? `&updated_after=${cursor}` : ''}`,
        );
        finding = page.items.at(-1) ?? finding;
        cursor = page.has_more ? page.next_cursor : null;
      } while (cursor);
      expect(finding).toBeDefined();
    });

    afterAll(async () => {
      await page?.close();
    });

    it('a key without the scope is told so by the API (403), and nothing changes', async () => {
      await signIn(demo.keys.read);
      await row().getByRole('button', { name: 'Manage' }).click();
      await detail().getByRole('button', { name: 'Acknowledge' }).click();
      await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('403');
      expect((await api(`/v1/findings/${finding.id}`)).workflow).toBe('new');
    });

    it('acknowledge, attach a ticket and add a note: each shows in the row and in the API', async () => {
      await signIn(triageKey);
      await row().getByRole('button', { name: 'Manage' }).click();
      await detail().getByRole('button', { name: 'Acknowledge' }).click();
      await expect.poll(() => row().getByTestId('workflow').textContent()).toBe('acknowledged');

      await detail().getByLabel('Ticket key').fill('SEC-42');
      await detail().getByLabel('Ticket URL').fill('https://tickets.example.com/SEC-42');
      await detail().getByRole('button', { name: 'Attach ticket' }).click();
      await expect.poll(() => row().getByRole('link', { name: 'jira SEC-42' }).count()).toBe(1);

      await detail().getByLabel('Note', { exact: true }).fill('owned by the platform team');
      await detail().getByRole('button', { name: 'Add note' }).click();
      await expect
        .poll(() => detail().getByTestId('notes').textContent())
        .toContain('triage: owned by the platform team');

      expect(await api(`/v1/findings/${finding.id}`)).toMatchObject({
        workflow: 'acknowledged',
        ticket: { system: 'jira', key: 'SEC-42', url: 'https://tickets.example.com/SEC-42' },
        notes: [{ by: 'triage', text: 'owned by the platform team' }],
        workflow_changed_by: 'triage',
      });
    });

    it('create an exception with reason and expiry: the row is marked suppressed; revoke brings it back to new', async () => {
      await signIn(triageKey);
      await row().getByRole('button', { name: 'Manage' }).click();
      await detail().getByLabel('Reason').fill('legacy account, closing in Q1');
      await detail()
        .getByLabel('Expires on')
        .fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
      await detail().getByRole('button', { name: 'Create exception' }).click();
      await expect.poll(() => row().getAttribute('data-suppressed'), { timeout: 5000 }).toBe('true');
      expect(await row().getByTestId('workflow').textContent()).toBe('suppressed');
      const [exception] = (await api('/v1/exceptions?state=live')).items;
      expect(exception).toMatchObject({
        reason: 'legacy account, closing in Q1',
        created_by: 'triage',
        control_id: finding.control_id,
      });

      await page.getByRole('button', { name: `Revoke exception ${exception.id}` }).click();
      await expect.poll(() => row().getByTestId('workflow').textContent(), { timeout: 5000 }).toBe('new');
      expect(await row().getAttribute('data-suppressed')).toBeNull();
      expect((await api(`/v1/exceptions/${exception.id}`)).state).toBe('revoked');
      expect(consoleErrors).toEqual([]);
    });
  });

  describe('remediations page', () => {
    let page: Page;
    const consoleErrors: string[] = [];

    beforeAll(async () => {
      page = await context.newPage();
      watchConsole(page, consoleErrors);
    });

    afterAll(async () => {
      await page?.close();
    });

    it('lists a plan made through the API and shows its accounts, credentials and recorded actions', async () => {
      await signIn(page, demo.keys.read);
      await page.goto(`${demo.url}/#/remediations`);
      const plans = page.getByTestId('remediation-plans');
      await expect.poll(() => plans.textContent()).toContain('No remediation plan yet.');

      // Only a root session names the root's key ids (the member role's credential report does not), and a plan
      // lists exactly the ids it will delete.
      expect((await demo.scan({ ROOTWATCH_ACCESS_MODE: 'root-session' })).status).toMatch(
        /succeeded|partial/,
      );
      const planner = await createApiKeysUsecases({ db: demo.testDb.database.db }).createApiKey({
        name: 'planner',
        scopes: ['read', 'remediations:write'],
      });
      const res = await fetch(`${demo.url}/v1/remediations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${planner.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ controls: ['root.access-keys'] }),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const plan = (await res.json()) as {
        id: string;
        status: string;
        accounts: { account_id: string; credentials: { type: string; id?: string }[] }[];
      };
      expect(plan.accounts.length, 'the generated org has accounts with root access keys').toBeGreaterThan(0);

      await page.reload();
      const row = plans.locator('tr', { has: page.locator(`a[href="#/remediations/${plan.id}"]`) });
      await expect.poll(() => row.count()).toBe(1);
      expect((await row.locator('td').allTextContents()).slice(1).map((cell) => cell.trim())).toEqual([
        plan.status,
        String(plan.accounts.length),
        'planner',
        '—',
      ]);

      await row.getByRole('link').click();
      await page.getByRole('heading', { name: 'Remediation plan' }).waitFor();
      const summary = page.locator('section.panel', { hasText: 'planned by planner' });
      await expect.poll(() => summary.count()).toBe(1);
      const listed = await summary.locator('li').allTextContents();
      expect(listed).toHaveLength(plan.accounts.length);
      for (const account of plan.accounts) {
        const line = listed.find((text) => text.startsWith(`${account.account_id} `));
        expect(line, account.account_id).toBeDefined();
        for (const credential of account.credentials)
          expect(line).toContain(credential.id ?? credential.type);
      }
      const { actions } = await api<{ actions: unknown[] }>(`/v1/remediations/${plan.id}`);
      await expect
        .poll(() => page.getByTestId('remediation-actions').locator('tbody tr').count())
        .toBe(actions.length);
      // Read-only: applying is a deliberate step by a second key, through the CLI or the API.
      expect(await page.getByRole('button', { name: /apply|approve/i }).count()).toBe(0);
      expect(consoleErrors).toEqual([]);
    });
  });
});
