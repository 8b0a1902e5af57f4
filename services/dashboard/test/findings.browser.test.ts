import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKeysUsecases } from '@rootwatch/api';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, CHROMIUM, launchChromium } from './browser';
import { type DemoInstance, startDemoInstance } from './demo-instance';

const hasChromium = existsSync(CHROMIUM);

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies.
type Json = any;

describe.skipIf(!hasChromium)('findings workflow in Chromium', () => {
  let demo: DemoInstance;
  let context: BrowserContext;
  let page: Page;
  let distDir: string;
  let profileDir: string;
  let triageKey: string;
  let finding: Json;
  const consoleErrors: string[] = [];

  const api = async (path: string): Promise<Json> => {
    const res = await fetch(`${demo.url}${path}`, { headers: { authorization: `Bearer ${demo.keys.read}` } });
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
    distDir = mkdtempSync(join(tmpdir(), 'rootwatch-dashboard-dist-'));
    buildDashboard(distDir);
    demo = await startDemoInstance({ accounts: 12, seed: 7, distDir });
    expect((await demo.scan()).status).toMatch(/succeeded|partial/);
    triageKey = (
      await createApiKeysUsecases({ db: demo.testDb.database.db }).createApiKey({
        name: 'triage',
        scopes: ['read', 'findings:write', 'exceptions:write'],
      })
    ).key;
    finding = (await api('/v1/findings?status=open&limit=1')).items[0];
    expect(finding).toBeDefined();
    profileDir = mkdtempSync(join(tmpdir(), 'rootwatch-chromium-'));
    context = await launchChromium(profileDir);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await demo?.stop();
    for (const dir of [distDir, profileDir]) if (dir) rmSync(dir, { recursive: true, force: true });
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
