import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../src/errors';
import {
  createRepositories,
  type Db,
  type DiscoveredAccount,
  type Repositories,
  ScanAlreadyActiveError,
  withTransaction,
  writeAccountResults,
} from '../src/index';
import { createTestDatabase, startTestRun, type TestDatabase, testObservation } from '../src/testing';

const t = (iso: string) => new Date(`2026-03-${iso}Z`);

function account(id: string, overrides: Partial<DiscoveredAccount> = {}): DiscoveredAccount {
  return {
    id,
    name: `acct-${id.slice(-4)}`,
    email: `root+${id}@example.com`,
    state: 'ACTIVE',
    ouPath: [
      { id: 'r-ab12', name: 'Root' },
      { id: 'ou-ab12-prod', name: 'Prod' },
    ],
    tags: { env: 'prod' },
    joinedAt: t('01T00:00:00'),
    ...overrides,
  };
}

describe.each(['pg', 'pglite'] as const)('repositories on %s', (driver) => {
  let test: TestDatabase;
  let db: Db;
  let repos: Repositories;

  beforeAll(async () => {
    test = await createTestDatabase({ driver });
    db = test.database.db;
    repos = createRepositories({ db });
    await repos.organizations.upsert({ id: 'o-one', managementAccountId: '000000000001', features: [] });
    await repos.organizations.upsert({ id: 'o-two' });
  });
  afterAll(async () => {
    await test?.drop();
  });

  describe('organizations', () => {
    it('when features are omitted on a later upsert, it keeps the last seen ones and their known flag', async () => {
      await repos.organizations.upsert({
        id: 'o-feat',
        features: ['RootCredentialsManagement'],
        scpEnabled: true,
      });
      const later = await repos.organizations.upsert({ id: 'o-feat', name: 'Feat' });
      expect(later).toMatchObject({
        features: ['RootCredentialsManagement'],
        featuresKnown: true,
        scpEnabled: true,
        name: 'Feat',
      });
      expect((await repos.organizations.get({ id: 'o-two' }))?.featuresKnown).toBe(false);
      expect((await repos.organizations.list()).map((o) => o.id)).toEqual(['o-feat', 'o-one', 'o-two']);
    });
  });

  describe('accounts', () => {
    it('when discovery runs, it reports added, changed and unchanged accounts, and marks the missing ones removed', async () => {
      const first = await repos.accounts.upsertFromDiscovery({
        orgId: 'o-one',
        accounts: [account('100000000001'), account('100000000002'), account('100000000003')],
        seenAt: t('01T00:00:00'),
      });
      expect(first.added.map((a) => a.id).sort()).toEqual(['100000000001', '100000000002', '100000000003']);
      expect(first.added[0]?.ouPathText).toBe('/r-ab12/ou-ab12-prod/');

      const second = await repos.accounts.upsertFromDiscovery({
        orgId: 'o-one',
        accounts: [
          account('100000000001'),
          account('100000000002', { state: 'SUSPENDED', tags: { env: 'dev' } }),
        ],
        seenAt: t('02T00:00:00'),
      });
      expect(second.added).toEqual([]);
      expect(second.unchanged).toBe(1);
      expect(second.changed).toHaveLength(1);
      expect(second.changed[0]).toMatchObject({
        before: { state: 'ACTIVE' },
        after: { state: 'SUSPENDED' },
        fields: ['state', 'tags'],
      });

      const removed = await repos.accounts.markRemoved({
        orgId: 'o-one',
        presentIds: ['100000000001', '100000000002'],
        removedAt: t('02T00:00:00'),
      });
      expect(removed.map((a) => a.id)).toEqual(['100000000003']);
      expect(
        await repos.accounts.markRemoved({ orgId: 'o-one', presentIds: ['100000000001', '100000000002'] }),
      ).toEqual([]);

      const back = await repos.accounts.upsertFromDiscovery({
        orgId: 'o-one',
        accounts: [account('100000000003')],
      });
      expect(back.added.map((a) => a.id)).toEqual(['100000000003']);
      expect(back.added[0]?.removedAt).toBeNull();
    });

    it('when listing, it applies every API filter and pages by keyset without repeats', async () => {
      await repos.accounts.upsertFromDiscovery({
        orgId: 'o-two',
        accounts: [
          account('200000000001', {
            name: 'zeta',
            ouPath: [{ id: 'r-cd34', name: 'Root' }],
            tags: { team: 'pay' },
          }),
          account('200000000002', {
            name: 'alpha',
            email: 'Security@Corp.example',
            ouPath: [
              { id: 'r-cd34', name: 'Root' },
              { id: 'ou-cd34-1', name: 'Sec' },
              { id: 'ou-cd34-10', name: 'Deep' },
            ],
            tags: { team: 'sec', env: 'prod' },
          }),
          account('200000000003', {
            name: 'mid_dle',
            ouPath: [
              { id: 'r-cd34', name: 'Root' },
              { id: 'ou-cd34-10', name: 'Other' },
            ],
            tags: { team: 'sec' },
          }),
        ],
      });
      await repos.controlStates.upsertMany({
        states: [
          {
            accountId: '200000000001',
            controlId: 'root.mfa',
            status: 'FAIL',
            severity: 'critical',
            observedAt: t('03T00:00:00'),
          },
          {
            accountId: '200000000002',
            controlId: 'root.mfa',
            status: 'PASS',
            severity: 'critical',
            observedAt: t('03T00:00:00'),
          },
          {
            accountId: '200000000003',
            controlId: 'root.mfa',
            status: 'UNKNOWN',
            severity: 'critical',
            observedAt: t('03T00:00:00'),
          },
          {
            accountId: '200000000003',
            controlId: 'root.access-keys',
            status: 'FAIL',
            severity: 'critical',
            observedAt: t('03T00:00:00'),
          },
        ],
      });
      const ids = async (input: Parameters<Repositories['accounts']['list']>[0]) =>
        (await repos.accounts.list({ orgId: 'o-two', ...input })).items.map((a) => a.id);

      expect(await ids({})).toEqual(['200000000001', '200000000002', '200000000003']);
      expect(await ids({ ou: '/r-cd34/ou-cd34-1' })).toEqual(['200000000002']);
      expect(await ids({ ou: 'ou-cd34-10' })).toEqual(['200000000002', '200000000003']);
      expect(await ids({ tag: { key: 'team', value: 'sec' } })).toEqual(['200000000002', '200000000003']);
      expect(await ids({ controlId: 'root.mfa', status: 'FAIL' })).toEqual(['200000000001']);
      expect(await ids({ status: 'FAIL' })).toEqual(['200000000001', '200000000003']);
      expect(await ids({ failing: true })).toEqual(['200000000001', '200000000003']);
      expect(await ids({ failing: false })).toEqual(['200000000002']);
      expect(await ids({ q: 'security@corp' })).toEqual(['200000000002']);
      expect(await ids({ q: '0003' })).toEqual(['200000000003']);
      expect(await ids({ q: 'a_p' })).toEqual([]); // '_' is literal: as a wildcard it would match 'alpha'
      expect(await ids({ q: 'd_dle' })).toEqual(['200000000003']);
      expect((await repos.accounts.list({ orgId: 'o-one' })).items.map((a) => a.id)).toContain(
        '100000000001',
      );

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await repos.accounts.list({ orgId: 'o-two', sort: 'name', limit: 2, cursor });
        seen.push(...page.items.map((a) => a.name));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['alpha', 'mid_dle', 'zeta']);

      await expect(repos.accounts.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      const idCursor = (await repos.accounts.list({ limit: 1 })).nextCursor!;
      await expect(repos.accounts.list({ sort: 'name', cursor: idCursor })).rejects.toMatchObject({
        code: 'invalid_cursor',
      });
    });

    it('when discovery lists an account unchanged, it writes no new row version; its scan outcome moves last_seen_at', async () => {
      const id = '100000000009';
      await repos.accounts.upsertFromDiscovery({
        orgId: 'o-one',
        accounts: [account(id)],
        seenAt: t('01T00:00:00'),
      });
      const rowVersion = async () => {
        const result = (await db.execute(
          sql`SELECT xmin::text AS x FROM accounts WHERE id = ${id}`,
        )) as unknown as {
          rows: { x: string }[];
        };
        return result.rows[0]?.x;
      };
      const before = await rowVersion();
      expect(before).toBeTruthy();
      const again = await repos.accounts.upsertFromDiscovery({
        orgId: 'o-one',
        accounts: [account(id)],
        seenAt: t('02T00:00:00'),
      });
      expect(again).toMatchObject({ added: [], changed: [], unchanged: 1 });
      expect(await rowVersion()).toBe(before);

      // Tags not read by this discovery (the account's job reads them): the stored ones stay, unrewritten;
      // a new account starts with none.
      const { tags: _unread, ...withoutTags } = account(id);
      const untagged = await repos.accounts.upsertFromDiscovery({
        orgId: 'o-one',
        accounts: [withoutTags, { ...withoutTags, id: '100000000010' }],
        seenAt: t('02T00:00:00'),
      });
      expect(untagged.added.map((a) => [a.id, a.tags])).toEqual([['100000000010', {}]]);
      expect(untagged).toMatchObject({ changed: [], unchanged: 1 });
      expect(await rowVersion()).toBe(before);
      expect((await repos.accounts.get({ id }))?.tags).toEqual({ env: 'prod' });

      await repos.accounts.recordOutcome({
        accountId: id,
        outcome: 'assessed',
        observedAt: t('02T00:01:00'),
        seenAt: t('02T00:00:00'),
      });
      expect((await repos.accounts.get({ id }))?.lastSeenAt).toEqual(t('02T00:00:00'));
      // An older run's outcome never moves it back.
      await repos.accounts.recordOutcome({
        accountId: id,
        outcome: 'assessed',
        observedAt: t('03T00:00:00'),
        seenAt: t('01T12:00:00'),
      });
      expect((await repos.accounts.get({ id }))?.lastSeenAt).toEqual(t('02T00:00:00'));
    });

    it('when an older outcome arrives after a newer one, it keeps the newer', async () => {
      expect(
        await repos.accounts.recordOutcome({
          accountId: '200000000001',
          outcome: 'assessed',
          observedAt: t('05T00:00:00'),
        }),
      ).toBe(true);
      expect(
        await repos.accounts.recordOutcome({
          accountId: '200000000001',
          outcome: 'unreachable',
          observedAt: t('04T00:00:00'),
        }),
      ).toBe(false);
      expect(await repos.accounts.get({ id: '200000000001' })).toMatchObject({
        lastOutcome: 'assessed',
        lastAssessedAt: t('05T00:00:00'),
      });
    });
  });

  describe('scan runs and account scans', () => {
    it('when a scan is active, creating another fails with scan_already_active, without aborting the caller transaction', async () => {
      const run = await repos.scanRuns.create({ orgId: 'o-one', trigger: 'api' });
      expect(run.status).toBe('queued');
      await expect(repos.scanRuns.create({ orgId: 'o-one', trigger: 'schedule' })).rejects.toBeInstanceOf(
        ScanAlreadyActiveError,
      );
      const inside = await withTransaction(db, async (tx) => {
        const r = createRepositories({ db: tx });
        const error = await r.scanRuns.create({ orgId: 'o-one', trigger: 'cli' }).catch((e: unknown) => e);
        return { error, active: await r.scanRuns.getActive({ orgId: 'o-one' }) };
      });
      expect(inside.error).toMatchObject({ code: 'scan_already_active', orgId: 'o-one' });
      expect(inside.active?.id).toBe(run.id);
      expect(await repos.scanRuns.fail({ id: run.id, errorCode: 'discovery_failed' })).toMatchObject({
        status: 'failed',
      });
      expect(await repos.scanRuns.fail({ id: run.id, errorCode: 'again' })).toBeNull();
    });

    it('when every account is recorded, finalize sets status and summary once', async () => {
      const run = await repos.scanRuns.create({ orgId: 'o-two', trigger: 'schedule' });
      expect(await repos.scanRuns.start({ id: run.id, total: 3 })).toMatchObject({
        status: 'running',
        total: 3,
      });
      expect(await repos.scanRuns.start({ id: run.id, total: 3 })).toBeNull();
      const outcomes = [
        ['200000000001', 'assessed'],
        ['200000000002', 'assessed'],
        ['200000000003', 'unreachable'],
      ] as const;
      await repos.accounts.upsertFromDiscovery({
        orgId: 'o-two',
        accounts: [account('200000000001')],
        seenAt: t('03T00:00:00'),
      });
      const context = (accountId: string, orgId = 'o-two') =>
        repos.scanRuns.accountJobContext({ runId: run.id, orgId, accountId });
      expect(await context('200000000001')).toMatchObject({
        status: 'running',
        recorded: false,
        org: { id: 'o-two' },
        account: { id: '200000000001', orgId: 'o-two' },
      });
      expect(await context('299999999999', 'o-none')).toMatchObject({ org: null, account: null });
      expect(
        await repos.scanRuns.accountJobContext({
          runId: 'not-a-uuid',
          orgId: 'o-two',
          accountId: '200000000001',
        }),
      ).toBeNull();
      for (const [index, [accountId, outcome]] of outcomes.entries()) {
        expect(await repos.scanRuns.finalize({ id: run.id })).toBeNull();
        const inserted = await repos.accountScans.insert({
          scanRunId: run.id,
          accountId,
          outcome,
          observedAt: t('03T00:00:00'),
        });
        expect(inserted).toBe(true);
        expect(
          await repos.accountScans.insert({
            scanRunId: run.id,
            accountId,
            outcome,
            observedAt: t('03T00:00:00'),
          }),
        ).toBe(false);
        expect(await repos.scanRuns.increment({ id: run.id, [outcome]: 1 })).toBe(true);
        const counted = await repos.scanRuns.get({ id: run.id });
        expect(counted && counted.assessed + counted.unreachable).toBe(index + 1);
      }
      expect(await context('200000000003')).toMatchObject({ recorded: true });
      const final = await repos.scanRuns.finalize({ id: run.id, finishedAt: t('03T01:00:00') });
      expect(final).toMatchObject({ status: 'partial', finishedAt: t('03T01:00:00') });
      expect(final?.summary).toEqual({
        outcomes: { assessed: 2, unreachable: 1, error: 0, skipped: 0 },
        controls: { 'root.mfa': { FAIL: 1, PASS: 1, UNKNOWN: 1 }, 'root.access-keys': { FAIL: 1 } },
      });
      // The progress rows are folded into the run row: the counters read the same, from one place.
      const progressRows = (await db.execute(
        sql`SELECT count(*)::int AS n FROM scan_run_progress WHERE scan_run_id = ${run.id}`,
      )) as unknown as { rows: { n: number }[] };
      expect(progressRows.rows[0]?.n).toBe(0);
      expect(await repos.scanRuns.get({ id: run.id })).toMatchObject({ assessed: 2, unreachable: 1 });
      expect(await repos.scanRuns.finalize({ id: run.id })).toBeNull();
      expect(await context('200000000001')).toMatchObject({ status: 'partial', recorded: true });
      expect(await repos.scanRuns.increment({ id: run.id, assessed: 1 })).toBe(false);
      expect((await repos.scanRuns.latestFinished({ orgId: 'o-two' }))?.id).toBe(run.id);
      expect(
        (await repos.accountScans.listForRun({ scanRunId: run.id, outcome: 'assessed' })).items,
      ).toHaveLength(2);
    });

    it('lists runs newest first with keyset pages, and prunes old account scans in batches', async () => {
      for (let i = 0; i < 3; i++) {
        const run = await repos.scanRuns.create({
          orgId: 'o-feat',
          trigger: 'demo',
          requestedAt: t(`1${i}T00:00:00`),
        });
        await repos.scanRuns.fail({ id: run.id, errorCode: 'test' });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await repos.scanRuns.list({ orgId: 'o-feat', limit: 2, cursor });
        seen.push(...page.items.map((r) => r.requestedAt.toISOString()));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(
        [t('12T00:00:00'), t('11T00:00:00'), t('10T00:00:00')].map((d) => d.toISOString()),
      );
      expect(await repos.scanRuns.get({ id: 'nope' })).toBeNull();

      // Rows are observed after their run is requested; pruning relies on it.
      const run = await repos.scanRuns.create({
        orgId: 'o-feat',
        trigger: 'demo',
        requestedAt: new Date('2026-01-31T00:00:00Z'),
      });
      const accountIds = [
        '100000000001',
        '100000000002',
        '100000000003',
        '200000000001',
        '200000000002',
        '200000000003',
      ];
      for (const [i, accountId] of accountIds.entries()) {
        await repos.accountScans.insert({
          scanRunId: run.id,
          accountId,
          outcome: 'skipped',
          observedAt: new Date(`2026-02-0${i + 1}T00:00:00Z`),
        });
      }
      // 30 days before March 6th noon is February 4th noon: the rows of February 1st to 4th go, one per batch.
      const deleted = await repos.accountScans.prune({
        retentionDays: 30,
        now: new Date('2026-03-06T12:00:00Z'),
        batchSize: 1,
      });
      expect(deleted).toBe(4);
      const left = (await repos.accountScans.listForRun({ scanRunId: run.id })).items;
      expect(left.map((s) => s.observedAt.toISOString())).toEqual([
        '2026-02-05T00:00:00.000Z',
        '2026-02-06T00:00:00.000Z',
      ]);
      await repos.scanRuns.fail({ id: run.id, errorCode: 'test' });
    });
  });

  describe('posture versions (type-2 history), written through writeAccountResults', () => {
    const accountId = '100000000001';
    /** One run of o-one that records this account's observation, finalized after (one active run per org). */
    async function observe(at: string, mfa: 'PASS' | 'FAIL') {
      const runId = await startTestRun(db, 'o-one', 1);
      const write = async () =>
        writeAccountResults(db, [
          {
            runId,
            orgId: 'o-one',
            accountId,
            outcome: 'assessed',
            observation: testObservation({ accountId, at: t(at), mfa }),
          },
        ]);
      const written = await write();
      // A retried job of the same run writes nothing.
      expect(await write()).toEqual({
        runRunning: true,
        accounts: [{ written: false, reason: 'duplicate' }],
      });
      await repos.scanRuns.finalize({ id: runId });
      const current = await repos.accounts.get({ id: accountId });
      return {
        written: written.runRunning ? written.accounts[0] : null,
        version: await repos.posture.get({ id: current!.currentPostureVersionId! }),
      };
    }

    it('when re-observed unchanged, only last_observed_at moves; a change supersedes; a late clock still follows the runs', async () => {
      const created = await observe('01T00:00:00', 'PASS');
      expect(created.written).toMatchObject({ written: true, version: 'created', driftEvents: 0 });
      const first = created.version!;

      const same = await observe('02T00:00:00', 'PASS');
      expect(same.written).toMatchObject({ version: 'unchanged' });
      expect(same.version).toMatchObject({
        id: first.id,
        firstObservedAt: t('01T00:00:00'),
        lastObservedAt: t('02T00:00:00'),
      });

      const changed = await observe('03T00:00:00', 'FAIL');
      expect(changed.written).toMatchObject({ version: 'changed', findingsOpened: 1 });
      const second = changed.version!;
      expect(second.id).not.toBe(first.id);
      expect(await repos.posture.get({ id: first.id })).toMatchObject({ supersededAt: t('03T00:00:00') });

      expect(await repos.posture.at({ accountId, at: t('01T00:00:00') })).toMatchObject({ id: first.id });
      expect(await repos.posture.at({ accountId, at: t('02T23:59:59') })).toMatchObject({ id: first.id });
      expect(await repos.posture.at({ accountId, at: t('03T00:00:00') })).toMatchObject({ id: second.id });
      expect(await repos.posture.at({ accountId, at: new Date(t('01T00:00:00').getTime() - 1) })).toBeNull();

      const all = await repos.posture.history({ accountId });
      expect(all.items.map((v) => v.id)).toEqual([first.id, second.id]);
      expect(
        (await repos.posture.history({ accountId, from: t('03T00:00:01') })).items.map((v) => v.id),
      ).toEqual([second.id]);
      expect(
        (await repos.posture.history({ accountId, to: t('02T00:00:00') })).items.map((v) => v.id),
      ).toEqual([first.id]);
      const paged = await repos.posture.history({ accountId, limit: 1 });
      expect(paged.items.map((v) => v.id)).toEqual([first.id]);
      const next = await repos.posture.history({ accountId, limit: 1, cursor: paged.nextCursor! });
      expect(next.items.map((v) => v.id)).toEqual([second.id]);
      expect(next.nextCursor).toBeNull();

      // A later run whose worker's clock is behind: the change is placed after the current version, not
      // dropped as stale, and resolves the finding the previous run opened.
      const late = await observe('02T12:00:00', 'PASS');
      expect(late.written).toMatchObject({ version: 'changed', findingsResolved: 1, driftEvents: 2 });
      expect(late.version).toMatchObject({ firstObservedAt: new Date(t('03T00:00:00').getTime() + 1) });
      expect(await repos.findings.getOpen({ accountId, controlId: 'root.mfa' })).toBeNull();
    });

    it('rejects a result for an unknown account with account_not_found and writes nothing', async () => {
      const runId = await startTestRun(db, 'o-one', 2);
      const observation = (id: string) => testObservation({ accountId: id, at: t('01T00:00:00') });
      await expect(
        writeAccountResults(db, [
          {
            runId,
            orgId: 'o-one',
            accountId: '100000000002',
            outcome: 'assessed',
            observation: observation('100000000002'),
          },
          {
            runId,
            orgId: 'o-one',
            accountId: '999999999999',
            outcome: 'assessed',
            observation: observation('999999999999'),
          },
        ]),
      ).rejects.toMatchObject({ code: 'account_not_found' });
      expect(
        await repos.scanRuns.accountJobContext({ runId, orgId: 'o-one', accountId: '100000000002' }),
      ).toMatchObject({ recorded: false });
      await repos.scanRuns.fail({ id: runId, errorCode: 'test' });
      // A run no longer running writes nothing either.
      expect(
        await writeAccountResults(db, [
          {
            runId,
            orgId: 'o-one',
            accountId: '100000000002',
            outcome: 'assessed',
            observation: observation('100000000002'),
          },
        ]),
      ).toEqual({ runRunning: false });
    });
  });

  describe('control states', () => {
    it('keeps `since` while the status holds, moves it on change, and never lets an older observation win', async () => {
      const accountId = '100000000002';
      const put = (status: 'PASS' | 'FAIL', at: string) =>
        repos.controlStates.upsertMany({
          states: [
            {
              accountId,
              controlId: 'root.signing-certificates',
              status,
              severity: 'medium',
              reason: at,
              observedAt: t(at),
            },
          ],
        });
      await put('PASS', '01T00:00:00');
      await put('PASS', '02T00:00:00');
      let [state] = await repos.controlStates.listForAccount({ accountId });
      expect(state).toMatchObject({ status: 'PASS', since: t('01T00:00:00'), observedAt: t('02T00:00:00') });
      await put('FAIL', '03T00:00:00');
      expect(await put('PASS', '02T12:00:00')).toBe(0);
      [state] = await repos.controlStates.listForAccount({ accountId });
      expect(state).toMatchObject({ status: 'FAIL', since: t('03T00:00:00'), reason: '03T00:00:00' });
      const counts = await repos.controlStates.countByControl({ orgId: 'o-two' });
      expect(counts).toContainEqual({ orgId: 'o-two', controlId: 'root.mfa', status: 'FAIL', count: 1 });
      expect(
        (await repos.controlStates.listForAccounts({ accountIds: ['200000000003', '100000000002'] })).length,
      ).toBe(3);
    });
  });

  describe('findings', () => {
    it('opens once, keeps quietly, bumps update_seq on real changes, resolves, and reopens as a new episode', async () => {
      const accountId = '200000000001';
      const controlId = 'root.mfa';
      const start = await repos.findings.feed({});
      const cursor0 = start.nextCursor ?? undefined;

      const open = async (openedAt: Date, reason?: string) => ({
        created: await repos.findings.openMany({
          findings: [{ accountId, controlId, severity: 'critical', reason, openedAt }],
        }),
        finding: (await repos.findings.getOpen({ accountId, controlId }))!,
      });
      const opened = await open(t('01T00:00:00'), 'no MFA');
      expect(opened.created).toBe(1);
      expect(opened.finding).toMatchObject({ dedupKey: `${accountId}/${controlId}`, status: 'open' });
      const again = await open(t('02T00:00:00'));
      expect(again).toMatchObject({
        created: 0,
        finding: { id: opened.finding.id, openedAt: t('01T00:00:00') },
      });

      const kept = await repos.findings.keep({
        id: opened.finding.id,
        seenAt: t('02T00:00:00'),
        reason: 'no MFA',
        evidence: { n: 2 },
      });
      expect(kept).toMatchObject({
        bumped: false,
        finding: { updateSeq: opened.finding.updateSeq, lastSeenAt: t('02T00:00:00') },
      });
      const changed = await repos.findings.keep({
        id: opened.finding.id,
        seenAt: t('03T00:00:00'),
        reason: 'virtual MFA only',
      });
      expect(changed?.bumped).toBe(true);
      expect(changed!.finding.updateSeq).toBeGreaterThan(opened.finding.updateSeq);

      const resolved = await repos.findings.resolve({ id: opened.finding.id, resolvedAt: t('04T00:00:00') });
      expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: t('04T00:00:00') });
      expect(resolved!.updateSeq).toBeGreaterThan(changed!.finding.updateSeq);
      expect(
        await repos.findings.resolve({ id: opened.finding.id, resolvedAt: t('05T00:00:00') }),
      ).toBeNull();
      expect(await repos.findings.keep({ id: opened.finding.id, seenAt: t('05T00:00:00') })).toBeNull();
      expect(await repos.findings.getOpen({ accountId, controlId })).toBeNull();

      const reopened = await open(t('06T00:00:00'));
      expect(reopened.created).toBe(1);
      expect(reopened.finding.id).not.toBe(opened.finding.id);
      expect(reopened.finding.dedupKey).toBe(opened.finding.dedupKey);

      const feed = await repos.findings.feed({ after: cursor0 });
      expect(feed.items.map((f) => [f.id, f.status])).toEqual([
        [opened.finding.id, 'resolved'],
        [reopened.finding.id, 'open'],
      ]);
      const page1 = await repos.findings.feed({ after: cursor0, limit: 1 });
      expect(page1.hasMore).toBe(true);
      const page2 = await repos.findings.feed({ after: page1.nextCursor!, limit: 1 });
      expect(page2.items.map((f) => f.id)).toEqual([reopened.finding.id]);
      const empty = await repos.findings.feed({ after: page2.nextCursor!, limit: 1 });
      expect(empty).toEqual({ items: [], nextCursor: page2.nextCursor, hasMore: false });
      expect((await repos.findings.feed({ after: cursor0, status: 'open' })).items.map((f) => f.id)).toEqual([
        reopened.finding.id,
      ]);
      expect((await repos.findings.listOpenForAccount({ accountId })).map((f) => f.id)).toEqual([
        reopened.finding.id,
      ]);
      expect(await repos.findings.countOpenBySeverity({ orgId: 'o-two' })).toEqual([
        { orgId: 'o-two', severity: 'critical', count: 1 },
      ]);
      expect(await repos.findings.get({ id: reopened.finding.id })).toMatchObject({ status: 'open' });
      await expect(repos.findings.feed({ after: 'abc' })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('opens several findings in one statement, each once, with increasing update_seq', async () => {
      await repos.accounts.upsertFromDiscovery({ orgId: 'o-two', accounts: [account('400000000001')] });
      const finding = (controlId: string) => ({
        accountId: '400000000001',
        controlId,
        severity: 'high' as const,
        reason: `${controlId} fails`,
        evidence: { seen: controlId },
        openedAt: t('06T00:00:00'),
      });
      expect(await repos.findings.openMany({ findings: [finding('c.one'), finding('c.two')] })).toBe(2);
      expect(
        await repos.findings.openMany({ findings: [finding('c.one'), finding('c.two'), finding('c.three')] }),
      ).toBe(1);
      expect(await repos.findings.openMany({ findings: [] })).toBe(0);
      const open = await repos.findings.listOpenForAccount({ accountId: '400000000001' });
      expect(open.map((f) => f.controlId).sort()).toEqual(['c.one', 'c.three', 'c.two']);
      expect(open.find((f) => f.controlId === 'c.two')).toMatchObject({
        status: 'open',
        reason: 'c.two fails',
        evidence: { seen: 'c.two' },
        lastSeenAt: t('06T00:00:00'),
      });
      expect(new Set(open.map((f) => f.updateSeq)).size).toBe(3);
    });
  });

  describe('drift events', () => {
    it('serves a feed resumable by cursor, with every filter', async () => {
      const start = (await repos.driftEvents.feed({})).nextCursor ?? undefined;
      const inserted = await repos.driftEvents.insertMany({
        events: [
          {
            orgId: 'o-one',
            accountId: '100000000001',
            kind: 'control_changed',
            controlId: 'root.mfa',
            from: 'PASS',
            to: 'FAIL',
            severity: 'critical',
            detectedAt: t('01T00:00:00'),
          },
          {
            orgId: 'o-one',
            accountId: '100000000002',
            kind: 'root_activity',
            field: 'password_last_used',
            from: null,
            to: '2026-03-01T00:00:00Z',
            severity: 'high',
            detectedAt: t('02T00:00:00'),
          },
          {
            orgId: 'o-two',
            accountId: '200000000001',
            kind: 'account_state_changed',
            field: 'state',
            from: 'ACTIVE',
            to: 'SUSPENDED',
            severity: 'info',
            detectedAt: t('03T00:00:00'),
          },
        ],
      });
      expect(inserted.map((e) => e.id)).toEqual([...inserted.map((e) => e.id)].sort((a, b) => a - b));
      const ids = async (input: Parameters<Repositories['driftEvents']['feed']>[0]) =>
        (await repos.driftEvents.feed({ after: start, ...input })).items.map((e) => e.id);
      const [a, b, c] = inserted.map((e) => e.id);
      expect(await ids({})).toEqual([a, b, c]);
      expect(await ids({ orgId: 'o-one' })).toEqual([a, b]);
      expect(await ids({ accountId: '200000000001' })).toEqual([c]);
      expect(await ids({ controlId: 'root.mfa' })).toEqual([a]);
      expect(await ids({ kind: 'root_activity' })).toEqual([b]);
      expect(await ids({ severity: 'info' })).toEqual([c]);
      expect(await ids({ since: t('02T00:00:00') })).toEqual([b, c]);
      expect(await ids({ until: t('02T00:00:00') })).toEqual([a]);
      expect(await ids({ after: String(a) })).toEqual([b, c]);
      expect(inserted[1]).toMatchObject({
        fromValue: null,
        toValue: '2026-03-01T00:00:00Z',
        field: 'password_last_used',
      });
      expect(await repos.driftEvents.insertMany({ events: [] })).toEqual([]);
    });
  });

  describe('api keys', () => {
    it('creates, finds by prefix, touches at most once a minute, revokes once, and lists', async () => {
      const hash = 'ab'.repeat(32);
      const key = await repos.apiKeys.create({
        name: 'dashboard',
        prefix: 'rw_abc123',
        hash,
        scopes: ['read'],
      });
      expect(await repos.apiKeys.findByPrefix({ prefix: 'rw_abc123' })).toMatchObject({
        id: key.id,
        hash,
        scopes: ['read'],
      });
      await repos.apiKeys.touch({ id: key.id, at: t('01T00:00:00') });
      await repos.apiKeys.touch({ id: key.id, at: t('01T00:00:30') });
      expect((await repos.apiKeys.findByPrefix({ prefix: 'rw_abc123' }))?.lastUsedAt).toEqual(
        t('01T00:00:00'),
      );
      await repos.apiKeys.touch({ id: key.id, at: t('01T00:01:30') });
      expect((await repos.apiKeys.findByPrefix({ prefix: 'rw_abc123' }))?.lastUsedAt).toEqual(
        t('01T00:01:30'),
      );
      await expect(
        repos.apiKeys.create({ name: 'dup', prefix: 'rw_abc123', hash, scopes: ['admin'] }),
      ).rejects.toThrow();
      expect(await repos.apiKeys.revoke({ prefix: 'rw_abc123' })).toMatchObject({ id: key.id });
      expect(await repos.apiKeys.revoke({ id: key.id })).toBeNull();
      expect(await repos.apiKeys.revoke({ id: 'not-a-uuid' })).toBeNull();
      expect((await repos.apiKeys.list()).map((k) => k.name)).toEqual(['dashboard']);
      expect(await repos.apiKeys.list({ includeRevoked: false })).toEqual([]);
    });
  });

  describe('withTransaction', () => {
    it('when the function throws, no write through the bound repositories survives', async () => {
      const before = (await repos.driftEvents.feed({})).nextCursor;
      await expect(
        withTransaction(db, async (tx) => {
          const r = createRepositories({ db: tx });
          await r.accounts.upsertFromDiscovery({ orgId: 'o-two', accounts: [account('300000000001')] });
          await r.driftEvents.insertMany({
            events: [{ orgId: 'o-two', accountId: '300000000001', kind: 'account_added', severity: 'info' }],
          });
          await r.findings.openMany({
            findings: [
              {
                accountId: '300000000001',
                controlId: 'root.mfa',
                severity: 'critical',
                openedAt: t('01T00:00:00'),
              },
            ],
          });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await repos.accounts.get({ id: '300000000001' })).toBeNull();
      expect((await repos.driftEvents.feed({ after: before ?? undefined })).items).toEqual([]);
    });
  });
});
