import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '@rootwatch/config';
import { createRepositories, type Repositories } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exceptions } from '../src/commands/exceptions';
import { CliError } from '../src/errors';

let testDb: TestDatabase;
let repos: Repositories;
let dir: string;
const A = '200000000001';
const B = '200000000002';

beforeAll(async () => {
  testDb = await createTestDatabase();
  repos = createRepositories({ db: testDb.database.db });
  dir = await mkdtemp(join(tmpdir(), 'rw-exceptions-'));
  await repos.organizations.upsert({ id: 'o-apply' });
  await repos.accounts.upsertFromDiscovery({
    orgId: 'o-apply',
    accounts: [A, B].map((id) => ({
      id,
      name: `acct-${id}`,
      email: `root+${id}@example.com`,
      state: 'ACTIVE' as const,
      ouPath: [{ id: 'r-ab12', name: 'Root' }],
      tags: (id === B ? { env: 'sandbox' } : {}) as Record<string, string>,
      joinedAt: null,
    })),
    seenAt: new Date(),
  });
  await repos.findings.openMany({
    findings: [A, B].map((accountId) => ({
      accountId,
      controlId: 'root.mfa',
      severity: 'critical' as const,
      openedAt: new Date(),
    })),
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb?.drop();
});

/** Runs `rootwatch exceptions …` in this process (the command is a function of its context). */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _e, done) {
        append(String(chunk));
        done();
      },
    }) as unknown as NodeJS.WriteStream;
  const code = await exceptions({
    argv,
    config: () => loadConfig({ DATABASE_URL: testDb.url! }),
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    signal: new AbortController().signal,
    debug: false,
  });
  return { code, stdout, stderr };
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const expiry = inDays(60);

it('plans with --dry-run, applies once, is idempotent, then updates and revokes to match the file', async () => {
  const file = join(dir, 'exceptions.yaml');
  await writeFile(
    file,
    `# reviewed in Git
- key: legacy-a-mfa
  control_id: root.mfa
  scope: { account_id: "${A}" }
  reason: closing in Q1, root unused
  expires_at: ${expiry}
- key: sandbox-all
  control_id: "*"
  scope: { tag: "env:sandbox" }
  reason: sandbox accounts are disposable
  expires_at: ${expiry}
`,
  );
  const dry = await run(['apply', file, '--dry-run']);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(/^\+ create {2}legacy-a-mfa {2}root\.mfa/m);
  expect(dry.stdout).toMatch(/^\+ create {2}sandbox-all {2}\* \{"tag":"env:sandbox"\}/m);
  expect(dry.stderr).toContain('dry run');
  expect((await repos.exceptions.list()).items).toEqual([]);

  const applied = await run(['apply', file, '--by', 'ci@git']);
  expect(applied.stdout).toBe(dry.stdout);
  const open = await repos.findings.feed({ status: 'open' });
  expect(open.items.map((f) => [f.accountId, f.workflow, f.workflowChangedBy])).toEqual([
    [A, 'suppressed', 'ci@git'],
    [B, 'suppressed', 'ci@git'],
  ]);

  const again = await run(['apply', file]);
  expect(again.stdout.trim().split('\n')).toEqual(['= keep    legacy-a-mfa', '= keep    sandbox-all']);
  expect((await repos.findings.feed({ after: open.nextCursor! })).items).toEqual([]);

  // JSON works too: a new reason updates in place, a key gone from the file is revoked.
  const json = join(dir, 'exceptions.json');
  await writeFile(
    json,
    JSON.stringify([
      {
        key: 'legacy-a-mfa',
        control_id: 'root.mfa',
        scope: { account_id: A },
        reason: 'closing in Q2 now',
        expires_at: expiry,
      },
    ]),
  );
  const changed = await run(['apply', json]);
  expect(changed.stdout.trim().split('\n')).toEqual([
    '~ update  legacy-a-mfa  (reason)',
    '- revoke  sandbox-all',
  ]);
  const live = (await repos.exceptions.list({ state: 'live' })).items;
  expect(live.map((e) => [e.key, e.reason])).toEqual([['legacy-a-mfa', 'closing in Q2 now']]);
  const after = await repos.findings.feed({ after: open.nextCursor! });
  expect(after.items.map((f) => [f.accountId, f.workflow])).toEqual([[B, 'new']]);
  expect((await run(['apply', json])).stdout.trim()).toBe('= keep    legacy-a-mfa');
});

it('a bad entry changes nothing and names the entry and field (exit 2)', async () => {
  const file = join(dir, 'bad.yaml');
  await writeFile(
    file,
    `- key: ok-one
  control_id: root.mfa
  scope: { account_id: "${B}" }
  reason: fine
  expires_at: ${expiry}
- key: too-long
  control_id: root.mfa
  scope: { account_id: "${B}" }
  reason: a year and more
  expires_at: ${inDays(400)}
`,
  );
  const before = (await repos.exceptions.list()).items.length;
  const failure = await run(['apply', file]).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(CliError);
  expect(failure).toMatchObject({ exitCode: 2, message: expect.stringContaining('[1].expires_at') });
  expect((await repos.exceptions.list()).items.length).toBe(before);
});
