import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, createRepositories } from '@rootwatch/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, processGroupMembers, type RunningCli, startCli } from './cli-process';

async function waitReady(url: string, deadlineMs = 60_000) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const res = await fetch(`${url}/ready`).catch(() => null);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url}/ready never answered 200`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('rootwatch demo', () => {
  let dataDir: string;
  let demo: RunningCli;
  let url: string;
  let key: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rootwatch-demo-'));
    demo = startCli(
      ['demo', '--port', '0', '--accounts', '30', '--drift-interval', '1', '--data-dir', join(dataDir, 'pg')],
      { env: cliEnv() },
    );
    url = (await demo.waitFor(/API: +(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    key = (await demo.waitFor(/API key: +(rw_[0-9a-f]{12}_[A-Za-z0-9_-]{43})/))[1]!;
  });

  afterAll(async () => {
    if (demo.child.exitCode === null && demo.child.signalCode === null)
      process.kill(-demo.child.pid!, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('listens on the free port it printed, and measures the first scan', async () => {
    expect(url).not.toMatch(/:3000$/);
    expect(demo.output().stdout).toMatch(
      /First scan: 30 accounts \(.*\) in [\d.ms]+; [\d.ms]+ from command start to first completed scan/,
    );
    await waitReady(url);
  });

  it('serves the first scan with the printed key, and the three curl examples use it', async () => {
    const res = await fetch(`${url}/v1/summary`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const summary = await res.json();
    expect(summary.organizations).toHaveLength(1);
    expect(summary.organizations[0].accounts.total).toBe(30);
    const curls = demo.output().stdout.match(/^ {2}curl .*$/gm) ?? [];
    expect(curls).toHaveLength(3);
    for (const curl of curls) expect(curl).toContain(`Authorization: Bearer ${key}`);
    expect((await fetch(`${url}/v1/summary`)).status).toBe(401);
  });

  it('changes simulated accounts and rescans, so drift appears in the API', async () => {
    await demo.waitFor(/Drift round 1: .*\n {2}scan \w+: 30 accounts; drift events: (?!none)/);
    const res = await fetch(`${url}/v1/drift-events?kind=control_changed&limit=100`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    const { items } = await res.json();
    expect(items.length).toBeGreaterThan(0);
    // Round 1 signs in as root through the simulator's queue; the demo's events consumer records it.
    expect(demo.output().stdout).toMatch(/Drift round 1: .*root user signed in/);
    const activity = await fetch(`${url}/v1/root-activity`, { headers: { authorization: `Bearer ${key}` } });
    expect(activity.status).toBe(200);
    expect((await activity.json()).items[0]).toMatchObject({
      kind: 'console_login',
      event_name: 'ConsoleLogin',
    });
  });

  it('stops cleanly on SIGTERM: exit 0, no process left, the embedded database flushed', async () => {
    const pgid = demo.child.pid!;
    demo.child.kill('SIGTERM');
    const exit = await demo.exited;
    expect(exit, demo.output().stderr).toEqual({ code: 0, signal: null });
    expect(demo.output().stdout).toMatch(/Stopping \(SIGTERM\)/);
    expect(await processGroupMembers(pgid)).toEqual([]);
    await expect(fetch(`${url}/health`)).rejects.toThrow();

    const database = createDatabase({ dataDir: join(dataDir, 'pg') });
    try {
      const repos = createRepositories({ db: database.db });
      const runs = (await repos.scanRuns.list({ limit: 100 })).items;
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(runs.filter((r) => r.status === 'queued' || r.status === 'running')).toEqual([]);
      const keys = await repos.apiKeys.list();
      expect(keys.map((k) => k.prefix)).toEqual([key.slice(3, 15)]);
    } finally {
      await database.close();
    }
  });
});
