import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiQueriesRepository,
  createApiQueriesRepository,
  createRepositories,
  type DiscoveredAccount,
  type Repositories,
} from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const account = (id: string): DiscoveredAccount => ({
  id,
  name: `acct-${id.slice(-4)}`,
  email: `root+${id}@example.com`,
  state: 'ACTIVE',
  ouPath: [{ id: 'r-ab12', name: 'Root' }],
  tags: { env: 'prod' },
  joinedAt: null,
});

// jsonb values of every shape, including strings that are themselves valid JSON text.
const values: unknown[] = [
  'PASS',
  '42',
  'true',
  'null',
  '{"a":1}',
  '[1,2]',
  '"quoted"',
  '',
  42,
  0,
  true,
  false,
  { nested: { list: [1, 'two', null] } },
  [],
  ['x', 1],
];

describe.each(['pg', 'pglite'] as const)('read path on %s', (driver) => {
  let test: TestDatabase;
  let repos: Repositories;
  let queries: ApiQueriesRepository;

  beforeAll(async () => {
    test = await createTestDatabase({ driver });
    repos = createRepositories({ db: test.database.db });
    queries = createApiQueriesRepository({ db: test.database.db });
    await repos.organizations.upsert({ id: 'o-read' });
    await repos.accounts.upsertFromDiscovery({
      orgId: 'o-read',
      accounts: ['100000000001', '100000000002', '100000000003'].map(account),
    });
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('reads every jsonb value back exactly as written (a string stays a string, whatever it contains)', async () => {
    const inserted = await repos.driftEvents.insertMany({
      events: values.map((value, i) => ({
        orgId: 'o-read',
        accountId: '100000000001',
        kind: 'root_activity' as const,
        field: `f${i}`,
        from: value,
        to: [value],
        severity: 'info' as const,
      })),
    });
    expect(inserted.map((e) => e.fromValue)).toEqual(values);
    const feed = await repos.driftEvents.feed({ accountId: '100000000001', limit: 1000 });
    expect(feed.items.map((e) => e.fromValue)).toEqual(values);
    expect(feed.items.map((e) => e.toValue)).toEqual(values.map((value) => [value]));
    expect((await repos.driftEvents.get({ id: inserted[1]!.id }))?.fromValue).toBe('42');

    await repos.controlStates.upsertMany({
      states: [
        {
          accountId: '100000000002',
          controlId: 'root.mfa',
          status: 'FAIL',
          severity: 'critical',
          evidence: '{"looks":"like json"}',
          observedAt: new Date('2026-03-01T00:00:00Z'),
        },
      ],
    });
    const [state] = await repos.controlStates.listForAccount({ accountId: '100000000002' });
    expect(state?.evidence).toBe('{"looks":"like json"}');
  });

  it('gives the status per control of each account asked for, in control id order, without the others', async () => {
    const observedAt = new Date('2026-03-02T00:00:00Z');
    await repos.controlStates.upsertMany({
      states: [
        ['100000000001', 'root.mfa', 'PASS'],
        ['100000000001', 'account.security-contact', 'FAIL'],
        ['100000000001', 'root.access-keys', 'UNKNOWN'],
        ['100000000003', 'root.mfa', 'NOT_APPLICABLE'],
      ].map(([accountId, controlId, status]) => ({
        accountId: accountId!,
        controlId: controlId!,
        status: status as 'PASS',
        severity: 'high' as const,
        observedAt,
      })),
    });
    const statuses = await queries.controlStatusesOf({ accountIds: ['100000000001', '100000000003'] });
    expect([...statuses.keys()].sort()).toEqual(['100000000001', '100000000003']);
    const first = statuses.get('100000000001')!;
    expect(Object.keys(first)).toEqual(['account.security-contact', 'root.access-keys', 'root.mfa']);
    expect(first).toEqual({
      'account.security-contact': 'FAIL',
      'root.access-keys': 'UNKNOWN',
      'root.mfa': 'PASS',
    });
    expect(statuses.get('100000000003')).toEqual({ 'root.mfa': 'NOT_APPLICABLE' });
    expect((await queries.controlStatusesOf({ accountIds: ['100000000099'] })).size).toBe(0);
    expect((await queries.controlStatusesOf({ accountIds: [] })).size).toBe(0);
  });
});
