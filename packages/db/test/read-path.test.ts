import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories, type DiscoveredAccount, type Repositories } from '../src/index';
import type { ControlStatus } from '../src/schema';
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

  beforeAll(async () => {
    test = await createTestDatabase({ driver });
    repos = createRepositories({ db: test.database.db });
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

  it('lists accounts with their status per control, in control id order, and {} for an account without states', async () => {
    const observedAt = new Date('2026-03-02T00:00:00Z');
    await repos.controlStates.upsertMany({
      states: (
        [
          ['100000000001', 'root.mfa', 'PASS'],
          ['100000000001', 'account.security-contact', 'FAIL'],
          ['100000000001', 'root.access-keys', 'UNKNOWN'],
          ['100000000002', 'root.mfa', 'FAIL'],
          ['100000000003', 'root.mfa', 'NOT_APPLICABLE'],
        ] satisfies [string, string, ControlStatus][]
      ).map(([accountId, controlId, status]) => ({
        accountId,
        controlId,
        status,
        severity: 'high' as const,
        observedAt,
      })),
    });
    const page = await repos.accounts.listWithControlStatuses({ orgId: 'o-read' });
    expect(page.items.map((a) => a.id)).toEqual(['100000000001', '100000000002', '100000000003']);
    const [first, second, third] = page.items;
    expect(Object.keys(first!.controlStatuses)).toEqual([
      'account.security-contact',
      'root.access-keys',
      'root.mfa',
    ]);
    expect(first!.controlStatuses).toEqual({
      'account.security-contact': 'FAIL',
      'root.access-keys': 'UNKNOWN',
      'root.mfa': 'PASS',
    });
    expect(second!.controlStatuses).toEqual({ 'root.mfa': 'FAIL' });
    expect(third!.controlStatuses).toEqual({ 'root.mfa': 'NOT_APPLICABLE' });
    // Same rows, filters and cursors as list().
    const plain = await repos.accounts.list({ orgId: 'o-read', failing: true, limit: 1 });
    const withStatuses = await repos.accounts.listWithControlStatuses({
      orgId: 'o-read',
      failing: true,
      limit: 1,
    });
    expect(withStatuses.items.map((a) => a.id)).toEqual(plain.items.map((a) => a.id));
    expect(withStatuses.nextCursor).toBe(plain.nextCursor);
    const next = await repos.accounts.listWithControlStatuses({
      orgId: 'o-read',
      failing: true,
      cursor: withStatuses.nextCursor!,
    });
    expect(next.items.map((a) => [a.id, a.controlStatuses])).toEqual([
      ['100000000002', { 'root.mfa': 'FAIL' }],
    ]);
    expect((await repos.accounts.listWithControlStatuses({ orgId: 'o-none' })).items).toEqual([]);
  });
});
