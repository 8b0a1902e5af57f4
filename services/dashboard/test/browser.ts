import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core downloads no browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const dashboardDir = fileURLToPath(new URL('..', import.meta.url));

/** Where screenshots and figures go (gitignored). */
export const artifactsDir = fileURLToPath(new URL('../../../test-artifacts/dashboard/', import.meta.url));

/** Headless Chromium with a fresh profile in `profileDir`. */
export function launchChromium(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
}

/** Builds the app from the current source into `outDir`; returns the size of its JavaScript. */
export function buildDashboard(outDir: string): { jsBytes: number; jsGzipBytes: number } {
  execFileSync(
    join(dashboardDir, 'node_modules/.bin/vite'),
    ['build', 'app', '--outDir', outDir, '--emptyOutDir'],
    {
      cwd: dashboardDir,
      stdio: 'pipe',
    },
  );
  const files = readdirSync(join(outDir, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(outDir, 'assets', f)));
  return {
    jsBytes: files.reduce((n, f) => n + f.length, 0),
    jsGzipBytes: files.reduce((n, f) => n + gzipSync(f).length, 0),
  };
}
