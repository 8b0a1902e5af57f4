import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processGroupMembers, REPO_ROOT, startCli } from './cli-process';

/** The two fenced `sh` blocks of the README's "## Quick start" section, exactly as written. */
async function quickStartBlocks(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Quick start$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.trim());
}

describe("the README's quick start, run verbatim", () => {
  let blocks: string[];
  let shimDir: string;

  beforeAll(async () => {
    blocks = await quickStartBlocks();
    shimDir = await mkdtemp(join(tmpdir(), 'rootwatch-readme-'));
  });
  afterAll(async () => {
    await rm(shimDir, { recursive: true, force: true });
  });

  it('has exactly two commands: install and run the demo, run the tests', () => {
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/pnpm rootwatch demo$/);
    expect(blocks[1]).toMatch(/pnpm test$/);
    for (const block of blocks) expect(block.split('\n')).toHaveLength(1);
  });

  it('the first command installs and starts the demo, which prints the API and a working key', async () => {
    // The environment, not the command, is adjusted: any free port (3000 may be taken on a shared
    // machine) and the embedded database and inline queue a fresh machine has.
    const demo = startCli(['-c', `export ROOTWATCH_API_PORT=0; unset DATABASE_URL REDIS_URL; ${blocks[0]}`], {
      command: ['/bin/sh'],
      env: 'inherit',
    });
    try {
      await demo.waitFor(/Rootwatch demo is ready\./, 540_000);
      const url = (await demo.waitFor(/API: +(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
      const key = (await demo.waitFor(/API key: +(rw_\S+)/))[1]!;
      const res = await fetch(`${url}/v1/summary`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect((await res.json()).organizations[0].accounts.total).toBe(500);
    } finally {
      // Ctrl-C in a terminal signals the whole foreground process group: sh, pnpm and node.
      process.kill(-demo.child.pid!, 'SIGINT');
      const exit = await demo.exited;
      expect(exit.signal === 'SIGINT' || exit.code === 0 || exit.code === 130, JSON.stringify(exit)).toBe(
        true,
      );
      expect(await processGroupMembers(demo.child.pid!)).toEqual([]);
    }
    expect(demo.output().stdout).toMatch(/Stopping \(SIGINT\)/);
  }, 600_000);

  it('the second command installs and runs the tests', async () => {
    // Running the whole suite from inside the suite would run this file again, forever: a `pnpm` shim
    // first on PATH passes `install` through and narrows `pnpm test` to one test file.
    const log = join(shimDir, 'calls.log');
    const shim = join(shimDir, 'pnpm');
    await writeFile(
      shim,
      `#!/bin/sh
echo "$*" >> '${log}'
if [ "$*" = "test" ]; then exec "$REAL_PNPM" test test/readme.test.ts; fi
exec "$REAL_PNPM" "$@"
`,
    );
    await chmod(shim, 0o755);
    const result = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(
        '/bin/sh',
        ['-c', `REAL_PNPM=$(command -v pnpm); PATH='${shimDir}':$PATH; export REAL_PNPM PATH; ${blocks[1]}`],
        { cwd: REPO_ROOT, stdio: 'pipe' },
      );
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(result.code, result.out).toBe(0);
    expect(result.out).toMatch(/Test Files .*1 passed/);
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['install', 'test']);
  }, 600_000);
});
