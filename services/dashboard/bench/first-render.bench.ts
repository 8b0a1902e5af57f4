// Time to first render of the dashboard's overview against a scanned organization (default 10,000 accounts):
// navigation start → the overview's numbers are in the page, in headless Chromium. Prints figures; asserts nothing.
//   pnpm --filter @rootwatch/dashboard bench [accounts]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { artifactsDir, buildDashboard, launchChromium } from '../test/browser';
import { startDemoInstance } from '../test/demo-instance';

const accounts = Number(process.argv[2] ?? 10_000);
const RELOADS = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  mkdirSync(artifactsDir, { recursive: true });
  const distDir = mkdtempSync(join(tmpdir(), 'rootwatch-dashboard-dist-'));
  const profileDir = mkdtempSync(join(tmpdir(), 'rootwatch-chromium-'));
  const { jsGzipBytes } = buildDashboard(distDir);

  const demo = await startDemoInstance({
    accounts,
    seed: 10_000,
    distDir,
    concurrency: 64,
    // The simulator answers far faster than AWS; the production budget would only measure the limiter.
    env: {
      ROOTWATCH_STS_REQUESTS_PER_SECOND: '0',
      ROOTWATCH_IAM_REQUESTS_PER_SECOND: '0',
      ROOTWATCH_LOG_LEVEL: 'warn',
    },
  });
  let context: BrowserContext | undefined;
  try {
    const scanStart = performance.now();
    const run = await demo.scan();
    const scanSeconds = (performance.now() - scanStart) / 1000;
    console.error(`scan of ${accounts} accounts: ${run.status} in ${scanSeconds.toFixed(1)} s`);
    context = await launchChromium(profileDir);

    const summaryMs: number[] = [];
    for (let i = 0; i < RELOADS; i++) {
      const t = performance.now();
      const res = await fetch(`${demo.url}/v1/summary`, {
        headers: { authorization: `Bearer ${demo.keys.read}` },
      });
      await res.arrayBuffer();
      summaryMs.push(performance.now() - t);
    }

    const page = await context.newPage();
    await page.goto(demo.url);
    await page.getByLabel('API key').fill(demo.keys.read);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-loaded="true"] h1', { hasText: 'Overview' }).waitFor();
    const firstRender: number[] = [];
    for (let i = 0; i < RELOADS; i++) {
      await page.reload();
      await page.locator('[data-loaded="true"] h1', { hasText: 'Overview' }).waitFor();
      firstRender.push(
        (await page.evaluate(
          "performance.getEntriesByName('rootwatch:overview-rendered')[0].startTime",
        )) as number,
      );
    }
    const accountsView: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await page.goto(`${demo.url}/#/accounts?failing=true`);
      await page.locator('div[data-loaded="true"] h1', { hasText: 'Accounts' }).waitFor();
      accountsView.push(performance.now() - t);
    }
    await page.goto(`${demo.url}/#/overview`);
    await page.locator('[data-loaded="true"] h1', { hasText: 'Overview' }).waitFor();
    await page.screenshot({ path: join(artifactsDir, `bench-overview-${accounts}.png`), fullPage: true });

    const figures = {
      accounts,
      scan: { status: run.status, seconds: Math.round(scanSeconds * 10) / 10 },
      jsGzipBytes,
      summaryApiMs: { median: Math.round(median(summaryMs)), min: Math.round(Math.min(...summaryMs)) },
      overviewFirstRenderMs: {
        median: Math.round(median(firstRender)),
        min: Math.round(Math.min(...firstRender)),
        max: Math.round(Math.max(...firstRender)),
        runs: RELOADS,
      },
      failingAccountsViewMs: { median: Math.round(median(accountsView)) },
    };
    writeFileSync(
      join(artifactsDir, `bench-first-render-${accounts}.json`),
      `${JSON.stringify(figures, null, 2)}\n`,
    );
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await context?.close();
    await demo.stop();
    rmSync(distDir, { recursive: true, force: true });
    rmSync(profileDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
