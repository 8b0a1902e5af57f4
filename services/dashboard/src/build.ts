import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { defaultDistDir, isDashboardBuilt } from './dashboard.plugin';

const dashboardDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds the dashboard's assets when they are missing and Vite is installed (a workspace checkout,
 * e.g. the demo right after `pnpm install`). The container image builds them at image build time.
 * Returns whether the assets exist afterwards.
 */
export async function buildDashboardIfMissing(distDir: string = defaultDistDir): Promise<boolean> {
  if (isDashboardBuilt(distDir)) return true;
  const vite = join(dashboardDir, 'node_modules/.bin/vite');
  if (!existsSync(vite)) return false;
  await promisify(execFile)(vite, ['build', 'app', '--outDir', distDir, '--emptyOutDir'], {
    cwd: dashboardDir,
  });
  return isDashboardBuilt(distDir);
}
