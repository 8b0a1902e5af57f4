import { CONTROL_IDS } from '@rootwatch/core';
import type { ScanRun } from '@rootwatch/db';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createScanEnvironment, get, ORG, type ScanEnvironment, scrape } from './harness';

// Scans run at chosen instants (Date only is faked, and keeps flowing) so history windows and trend buckets
// are known: two scans on Monday 2026-01-05, one on Tuesday, one the next Tuesday.
const T1 = new Date('2026-01-05T10:00:00Z');
const T2 = new Date('2026-01-05T14:00:00Z');
const T3 = new Date('2026-01-06T10:00:00Z');
const T4 = new Date('2026-01-13T10:00:00Z');
const hoursAfter = (t: Date, h: number) => new Date(t.getTime() + h * 3_600_000).toISOString();

let env: ScanEnvironment;
let readKey: string;
let runs: ScanRun[];
let subject: string; // loses then regains root MFA
let keyed: string; // gains a root access key

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies.
type Json = any;

async function all(path: string, key = readKey): Promise<Json[]> {
  const items: Json[] = [];
  let url: string | null = path;
  while (url) {
    const page = await get(env.app, url, key);
    expect(page.status).toBe(200);
    items.push(...page.json.items);
    const link = page.headers.link as string | undefined;
    if (page.json.next_cursor !== null && page.json.has_more !== false) {
      expect(link).toMatch(/rel="next"/);
      url = /^<([^>]+)>/.exec(link!)![1]!;
    } else {
      url = null;
    }
  }
  return items;
}

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(T1);
  env = await createScanEnvironment({ accounts: 24, seed: 11, referenceTime: T1.getTime() });
  readKey = (await env.keys.createApiKey({ name: 'dashboard', scopes: ['read'] })).key;
  const accounts = env.sim.definition().accounts;
  const management = env.sim.definition().organization.managementAccountId;
  const healthy = accounts.filter(
    (a) =>
      a.id !== management &&
      a.state === 'ACTIVE' &&
      a.auditRole !== false &&
      !a.faults &&
      a.root.password === true &&
      a.root.mfa === 'hardware' &&
      a.root.accessKeys.length === 0,
  );
  expect(healthy.length).toBeGreaterThanOrEqual(2);
  subject = healthy[0]!.id;
  keyed = healthy[1]!.id;

  runs = [await env.scan()];
  await env.patchAccount(subject, { root: { mfa: 'none' } });
  await env.patchAccount(keyed, {
    root: { accessKeys: [{ active: true, lastUsed: null, lastRotated: '2025-06-01T00:00:00Z' }] },
  });
  vi.setSystemTime(T2);
  runs.push(await env.scan());
  await env.patchAccount(subject, { root: { mfa: 'hardware' } });
  vi.setSystemTime(T3);
  runs.push(await env.scan());
  vi.setSystemTime(T4);
  runs.push(await env.scan());
}, 300_000);

afterAll(async () => {
  vi.useRealTimers();
  await env?.close();
});

describe('GET /v1/summary', () => {
  test('counts accounts, controls and findings of the organization as the accounts and findings lists show them', async () => {
    const { status, json } = await get(env.app, '/v1/summary', readKey);
    expect(status).toBe(200);
    expect(json.organizations).toHaveLength(1);
    const org = json.organizations[0];
    expect(org.org_id).toBe(ORG);
    const accounts = await all('/v1/accounts?limit=1000');
    expect(org.accounts.total).toBe(accounts.length);
    expect(org.accounts.assessed + org.accounts.skipped + org.accounts.unreachable + org.accounts.error).toBe(
      accounts.length,
    );
    for (const control of org.controls) {
      const fails = accounts.filter((a) => a.controls[control.control_id] === 'FAIL').length;
      const passes = accounts.filter((a) => a.controls[control.control_id] === 'PASS').length;
      expect({ id: control.control_id, fail: control.fail, pass: control.pass }).toEqual({
        id: control.control_id,
        fail: fails,
        pass: passes,
      });
      if (control.pass + control.fail > 0) {
        expect(control.compliance_pct).toBeCloseTo((100 * control.pass) / (control.pass + control.fail), 1);
      }
    }
    expect(org.controls.map((c: Json) => c.control_id)).toEqual([...CONTROL_IDS]);
    const open = await all('/v1/findings?status=open&limit=1000');
    expect(org.open_findings.total).toBe(open.length);
    expect(org.open_findings.critical).toBe(open.filter((f) => f.severity === 'critical').length);
    expect(org.last_completed_scan.id).toBe(runs[3]!.id);
  });

  test('filters by org and answers an unknown org with no organizations', async () => {
    expect((await get(env.app, `/v1/summary?org=${ORG}`, readKey)).json.organizations).toHaveLength(1);
    expect((await get(env.app, '/v1/summary?org=other', readKey)).json.organizations).toHaveLength(0);
  });
});

test('GET /v1/controls serves the catalog', async () => {
  const { status, json } = await get(env.app, '/v1/controls', readKey);
  expect(status).toBe(200);
  expect(json.items.map((c: Json) => c.id)).toEqual([...CONTROL_IDS]);
  for (const control of json.items) {
    expect(control.title && control.rationale && control.remediation).toBeTruthy();
    expect(['critical', 'high', 'medium', 'low']).toContain(control.severity);
  }
});

describe('GET /v1/accounts', () => {
  test('pages through every account in id order with Link headers, each exactly once', async () => {
    const items = await all('/v1/accounts?limit=5');
    expect(items).toHaveLength(env.sim.definition().accounts.length);
    const ids = items.map((a) => a.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    for (const account of items) expect(account.id).toMatch(/^\d{12}$/);
  });

  test('sorts by name with sort=name', async () => {
    const names = (await all('/v1/accounts?sort=name&limit=7')).map((a) => a.name);
    expect(names).toEqual([...names].sort());
  });

  test('filters by failing, control and status', async () => {
    const everyone = await all('/v1/accounts?limit=1000');
    const failing = await all('/v1/accounts?failing=true');
    expect(failing.map((a) => a.id)).toEqual(everyone.filter((a) => a.failing.length > 0).map((a) => a.id));
    const keyFails = await all('/v1/accounts?control=root.access-keys&status=FAIL');
    expect(keyFails.map((a) => a.id)).toContain(keyed);
    expect(keyFails.map((a) => a.id)).toEqual(
      everyone.filter((a) => a.controls['root.access-keys'] === 'FAIL').map((a) => a.id),
    );
  });

  test('filters by OU path prefix, OU id, tag, org and q', async () => {
    const everyone = await all('/v1/accounts?limit=1000');
    const sample = everyone.find((a) => a.ou_path.length >= 2)!;
    const ou = sample.ou_path[1].id;
    const byPrefix = await all(`/v1/accounts?ou=${encodeURIComponent(`/${sample.ou_path[0].id}/${ou}/`)}`);
    const byId = await all(`/v1/accounts?ou=${ou}`);
    const expected = everyone.filter((a) => a.ou_path.some((e: Json) => e.id === ou)).map((a) => a.id);
    expect(byPrefix.map((a) => a.id)).toEqual(expected);
    expect(byId.map((a) => a.id)).toEqual(expected);

    const [tagKey, tagValue] = Object.entries(sample.tags)[0] as [string, string];
    const byTag = await all(`/v1/accounts?tag=${encodeURIComponent(`${tagKey}:${tagValue}`)}`);
    expect(byTag.map((a) => a.id)).toEqual(
      everyone.filter((a) => a.tags[tagKey] === tagValue).map((a) => a.id),
    );

    expect((await all(`/v1/accounts?org=${ORG}`)).length).toBe(everyone.length);
    expect(await all('/v1/accounts?org=nope')).toEqual([]);

    const fragment = sample.name.slice(2, 7).toUpperCase();
    const byQ = await all(`/v1/accounts?q=${encodeURIComponent(fragment)}`);
    expect(byQ.map((a) => a.id)).toContain(sample.id);
    for (const a of byQ) {
      expect(`${a.id} ${a.name} ${a.email}`.toLowerCase()).toContain(fragment.toLowerCase());
    }
    expect(await all(`/v1/accounts?q=${sample.id.slice(3, 10)}`)).toContainEqual(
      expect.objectContaining({ id: sample.id }),
    );
  });

  test('a cursor from another list or with a changed byte is rejected as invalid_cursor', async () => {
    const page = await get(env.app, '/v1/accounts?limit=2', readKey);
    const cursor: string = page.json.next_cursor;
    const other = await get(env.app, `/v1/accounts?limit=2&sort=name&cursor=${cursor}`, readKey);
    expect(other.status).toBe(400);
    expect(other.json.error.code).toBe('invalid_cursor');
    const flipped = cursor.slice(0, 3) + (cursor[3] === 'A' ? 'B' : 'A') + cursor.slice(4);
    const tampered = await get(env.app, `/v1/accounts?limit=2&cursor=${flipped}`, readKey);
    expect(tampered.status).toBe(400);
    expect(tampered.json.error.code).toBe('invalid_cursor');
  });
});

describe('GET /v1/accounts/{id}', () => {
  test('shows metadata, every control with evidence and reason, and open findings', async () => {
    const { status, json } = await get(env.app, `/v1/accounts/${keyed}`, readKey);
    expect(status).toBe(200);
    expect(json.id).toBe(keyed);
    expect(json.last_assessed_at).toBe(json.last_outcome_at);
    expect(new Date(json.last_assessed_at).getTime()).toBeGreaterThanOrEqual(T4.getTime());
    expect(json.controls.map((c: Json) => c.control_id).sort()).toEqual([...CONTROL_IDS].sort());
    const keys = json.controls.find((c: Json) => c.control_id === 'root.access-keys');
    expect(keys.status).toBe('FAIL');
    expect(keys.reason).toBeTruthy();
    expect(keys.evidence).toBeTypeOf('object');
    expect(json.open_findings.map((f: Json) => f.control_id)).toContain('root.access-keys');
  });

  test('answers 404 with the error shape for an unknown account', async () => {
    const { status, json } = await get(env.app, '/v1/accounts/000000000000', readKey);
    expect(status).toBe(404);
    expect(json.error.code).toBe('not_found');
  });
});

describe('history and posture at a time', () => {
  test('history lists each distinct posture with its validity and observation window', async () => {
    const versions = await all(`/v1/accounts/${subject}/history?limit=1`);
    expect(versions).toHaveLength(3);
    const mfa = (v: Json) => v.results['root.mfa']?.status ?? v.results['root.mfa'];
    expect(versions.map(mfa)).toEqual(['PASS', 'FAIL', 'PASS']);
    const [v1, v2, v3] = versions;
    expect(new Date(v1.valid_from).getTime()).toBeGreaterThanOrEqual(T1.getTime());
    expect(new Date(v1.valid_from).getTime()).toBeLessThan(T2.getTime());
    expect(v1.valid_to).toBe(v2.valid_from);
    expect(v2.valid_to).toBe(v3.valid_from);
    expect(v3.valid_to).toBeNull();
    // The unchanged re-scan of T4 only moved the window of the current version.
    expect(new Date(v3.observation_window.last_observed_at).getTime()).toBeGreaterThanOrEqual(T4.getTime());
    expect(v3.observation_window.first_observed_at).toBe(v3.valid_from);
  });

  test('history answers 404 for an unknown account, and an empty page for a known one outside its range', async () => {
    const unknown = await get(env.app, '/v1/accounts/000000000000/history', readKey);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    const empty = await get(env.app, `/v1/accounts/${subject}/history?to=${hoursAfter(T1, -1)}`, readKey);
    expect(empty.status).toBe(200);
    expect(empty.json).toEqual({ items: [], next_cursor: null });
  });

  test('history from/to keep the versions whose validity overlaps the range', async () => {
    const late = await all(`/v1/accounts/${subject}/history?from=${hoursAfter(T3, 1)}`);
    expect(late).toHaveLength(1);
    const early = await all(`/v1/accounts/${subject}/history?to=${hoursAfter(T1, 1)}`);
    expect(early).toHaveLength(1);
    const middle = await all(
      `/v1/accounts/${subject}/history?from=${hoursAfter(T2, 1)}&to=${hoursAfter(T2, 2)}`,
    );
    expect(middle).toHaveLength(1);
    expect(middle[0].id).not.toBe(late[0].id);
  });

  test('posture?at=T returns the version valid at T, across every version', async () => {
    const versions = await all(`/v1/accounts/${subject}/history`);
    const expectations: [string, number][] = [
      [hoursAfter(T1, 1), 0],
      [hoursAfter(T2, 1), 1],
      [hoursAfter(T3, 1), 2],
      [hoursAfter(T4, 24 * 30), 2],
    ];
    for (const [at, index] of expectations) {
      const { status, json } = await get(env.app, `/v1/accounts/${subject}/posture?at=${at}`, readKey);
      expect(status).toBe(200);
      expect(json.version.id).toBe(versions[index].id);
      expect(json.at).toBe(at);
    }
    const before = await get(env.app, `/v1/accounts/${subject}/posture?at=${hoursAfter(T1, -1)}`, readKey);
    expect(before.status).toBe(404);
    const missing = await get(env.app, `/v1/accounts/${subject}/posture`, readKey);
    expect(missing.status).toBe(400);
  });
});

describe('GET /v1/drift-events', () => {
  test('the feed is in id order and each filter keeps exactly the matching events', async () => {
    const events = await all('/v1/drift-events?limit=50');
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(events.filter((e) => e.kind === 'account_added')).toHaveLength(
      env.sim.definition().accounts.length,
    );

    const filters: [string, (e: Json) => boolean][] = [
      [`account=${subject}`, (e) => e.account_id === subject],
      ['control=root.mfa', (e) => e.control_id === 'root.mfa'],
      ['kind=control_changed', (e) => e.kind === 'control_changed'],
      ['severity=critical', (e) => e.severity === 'critical'],
      [`org=${ORG}`, (e) => e.org_id === ORG],
      [`since=${T2.toISOString()}`, (e) => new Date(e.detected_at) >= T2],
      [`until=${T2.toISOString()}`, (e) => new Date(e.detected_at) < T2],
    ];
    for (const [query, match] of filters) {
      const got = await all(`/v1/drift-events?${query}&limit=7`);
      expect({ query, ids: got.map((e) => e.id) }).toEqual({
        query,
        ids: events.filter(match).map((e) => e.id),
      });
    }
    const subjectMfa = events.filter((e) => e.account_id === subject && e.control_id === 'root.mfa');
    expect(subjectMfa.map((e) => [e.from, e.to])).toEqual([
      ['PASS', 'FAIL'],
      ['FAIL', 'PASS'],
    ]);
    expect(events.some((e) => e.account_id === keyed && e.kind === 'credential_changed')).toBe(true);
  });

  test('a stored cursor resumes after the last event, and is still returned when nothing is new', async () => {
    const first = await get(env.app, '/v1/drift-events?limit=3', readKey);
    const rest = await all(`/v1/drift-events?after=${first.json.next_cursor}&limit=100`);
    expect(rest[0].id).toBeGreaterThan(first.json.items[2].id);
    let cursor = first.json.next_cursor;
    let page: Json;
    do {
      page = (await get(env.app, `/v1/drift-events?after=${cursor}&limit=1000`, readKey)).json;
      cursor = page.next_cursor;
    } while (page.has_more);
    const idle = await get(env.app, `/v1/drift-events?after=${cursor}`, readKey);
    expect(idle.json).toEqual({ items: [], next_cursor: cursor, has_more: false });
    expect(idle.headers.link).toBeUndefined();
  });
});

describe('GET /v1/findings', () => {
  test('the subject MFA finding opened at T2 and resolved at T3; filters select it', async () => {
    const resolved = await all(`/v1/findings?status=resolved&account=${subject}&control=root.mfa`);
    expect(resolved).toHaveLength(1);
    const finding = resolved[0];
    expect(finding.dedup_key).toBe(`${subject}/root.mfa`);
    expect(new Date(finding.opened_at).getTime()).toBeGreaterThanOrEqual(T2.getTime());
    expect(new Date(finding.resolved_at).getTime()).toBeGreaterThanOrEqual(T3.getTime());
    expect(finding.severity).toBe('critical');

    const everything = await all('/v1/findings?limit=4');
    const seqs = everything.map((f) => f.update_seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (const [query, match] of [
      ['status=open', (f: Json) => f.status === 'open'],
      ['severity=critical', (f: Json) => f.severity === 'critical'],
      ['control=root.access-keys', (f: Json) => f.control_id === 'root.access-keys'],
      [`account=${keyed}`, (f: Json) => f.account_id === keyed],
    ] as const) {
      const got = await all(`/v1/findings?${query}&limit=3`);
      expect({ query, ids: got.map((f) => f.id) }).toEqual({
        query,
        ids: everything.filter(match).map((f) => f.id),
      });
    }

    const one = await get(env.app, `/v1/findings/${finding.id}`, readKey);
    expect(one.json).toEqual(finding);
    expect((await get(env.app, '/v1/findings/999999', readKey)).status).toBe(404);
  });

  test('updated_after resumes a poller and a findings cursor is not a drift cursor', async () => {
    const first = await get(env.app, '/v1/findings?limit=2', readKey);
    const next = await get(env.app, `/v1/findings?updated_after=${first.json.next_cursor}&limit=2`, readKey);
    expect(next.json.items[0].update_seq).toBeGreaterThan(first.json.items[1].update_seq);
    const crossed = await get(env.app, `/v1/drift-events?after=${first.json.next_cursor}`, readKey);
    expect(crossed.status).toBe(400);
    expect(crossed.json.error.code).toBe('invalid_cursor');
  });
});

describe('GET /v1/trend', () => {
  const range = `from=${hoursAfter(T1, -24)}&to=${hoursAfter(T4, 24)}`;

  test('hour buckets hold one point per scan, day and week buckets the last scan of each bucket', async () => {
    const hour = (await get(env.app, `/v1/trend?bucket=hour&${range}`, readKey)).json;
    expect(hour.items.map((p: Json) => p.scan_run_id)).toEqual(runs.map((r) => r.id));
    expect(hour.items.map((p: Json) => p.bucket_start)).toEqual([
      '2026-01-05T10:00:00.000Z',
      '2026-01-05T14:00:00.000Z',
      '2026-01-06T10:00:00.000Z',
      '2026-01-13T10:00:00.000Z',
    ]);
    const day = (await get(env.app, `/v1/trend?bucket=day&${range}`, readKey)).json;
    expect(day.items.map((p: Json) => [p.bucket_start, p.scan_run_id])).toEqual([
      ['2026-01-05T00:00:00.000Z', runs[1]!.id],
      ['2026-01-06T00:00:00.000Z', runs[2]!.id],
      ['2026-01-13T00:00:00.000Z', runs[3]!.id],
    ]);
    // 2026-01-05 is a Monday: ISO weeks start on Mondays.
    const week = (await get(env.app, `/v1/trend?bucket=week&${range}`, readKey)).json;
    expect(week.items.map((p: Json) => [p.bucket_start, p.scan_run_id])).toEqual([
      ['2026-01-05T00:00:00.000Z', runs[2]!.id],
      ['2026-01-12T00:00:00.000Z', runs[3]!.id],
    ]);
  });

  test('points carry per-control counts; the MFA regression shows in the T2 bucket only', async () => {
    const hour = (await get(env.app, `/v1/trend?bucket=hour&control=root.mfa&org=${ORG}&${range}`, readKey))
      .json;
    const fails = hour.items.map((p: Json) => p.controls[0].fail);
    expect(
      hour.items.every((p: Json) => p.controls.length === 1 && p.controls[0].control_id === 'root.mfa'),
    ).toBe(true);
    expect(fails[1]).toBe(fails[0] + 1);
    expect(fails[2]).toBe(fails[0]);
    for (const p of hour.items) {
      const c = p.controls[0];
      expect(p.compliance_pct).toBeCloseTo((100 * c.pass) / (c.pass + c.fail), 1);
    }
  });

  test('a range outside the scans is empty; a reversed or too fine range is a 400', async () => {
    expect(
      (await get(env.app, '/v1/trend?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z', readKey)).json.items,
    ).toEqual([]);
    const reversed = await get(env.app, `/v1/trend?from=${T4.toISOString()}&to=${T1.toISOString()}`, readKey);
    expect(reversed.status).toBe(400);
    const huge = await get(
      env.app,
      '/v1/trend?bucket=hour&from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      readKey,
    );
    expect(huge.json.error.code).toBe('range_too_large');
  });
});

describe('scans', () => {
  test('GET /v1/scans lists runs newest first with progress; GET /v1/scans/{id} shows one', async () => {
    const items = await all('/v1/scans?limit=3');
    expect(items.map((r) => r.id)).toEqual([...runs].reverse().map((r) => r.id));
    for (const run of items) {
      expect(run.progress.done).toBe(run.progress.total);
      expect(run.progress.assessed + run.progress.skipped).toBe(run.progress.total);
      expect(run.duration_ms).toBeGreaterThanOrEqual(0);
    }
    expect((await all(`/v1/scans?org=${ORG}&status=succeeded`)).length).toBe(4);
    const one = await get(env.app, `/v1/scans/${runs[0]!.id}`, readKey);
    expect(one.json.id).toBe(runs[0]!.id);
    expect((await get(env.app, '/v1/scans/7d6a1c1e-0000-4000-8000-000000000000', readKey)).status).toBe(404);
  });

  test('POST /v1/scans starts a scan (202), a second one while it runs is a 409, and it completes', async () => {
    const writer = (await env.keys.createApiKey({ name: 'ci', scopes: ['scans:write'] })).key;
    const post = (body: unknown) =>
      env.app.inject({
        method: 'POST',
        url: '/v1/scans',
        headers: { authorization: `Bearer ${writer}` },
        payload: body as object,
      });
    const started = await post({ org: ORG });
    expect(started.statusCode).toBe(202);
    const run = started.json().items[0];
    expect(run.status).toMatch(/queued|running/);
    const again = await post({});
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('scan_already_active');
    expect((await post({ org: 'not-configured' })).statusCode).toBe(404);
    await env.dispatcher.idle();
    const done = await get(env.app, `/v1/scans/${run.id}`, readKey);
    expect(done.json.status).toBe('succeeded');
    expect(done.json.trigger).toBe('api');
    runs.push({ id: run.id } as ScanRun);
  });
});

test('GET /v1/export/accounts.csv has one row per account and one column per control, matching the list', async () => {
  const response = await env.app.inject({
    url: '/v1/export/accounts.csv',
    headers: { authorization: `Bearer ${readKey}` },
  });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
  const lines = response.body.trim().split('\r\n');
  const header = lines[0]!.split(',');
  expect(header.slice(-CONTROL_IDS.length)).toEqual([...CONTROL_IDS]);
  const accounts = await all('/v1/accounts?limit=1000');
  expect(lines).toHaveLength(accounts.length + 1);
  const row = lines.find((l) => l.startsWith(keyed))!.split(',');
  const account = accounts.find((a) => a.id === keyed);
  expect(row.slice(-CONTROL_IDS.length)).toEqual(CONTROL_IDS.map((id) => account.controls[id] ?? ''));
});

test('ETag and If-None-Match answer 304 without a body while the resource is unchanged', async () => {
  const first = await get(env.app, '/v1/accounts?limit=3', readKey);
  const etag = first.headers.etag as string;
  expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
  const again = await get(env.app, '/v1/accounts?limit=3', readKey, { 'if-none-match': etag });
  expect(again.status).toBe(304);
  expect(again.body).toBe('');
  const other = await get(env.app, '/v1/accounts?limit=4', readKey, { 'if-none-match': etag });
  expect(other.status).toBe(200);
});

test('health, readiness and metrics', async () => {
  expect((await get(env.app, '/health')).json).toEqual({ status: 'ok' });
  const ready = await get(env.app, '/ready');
  expect(ready.status).toBe(200);
  expect(ready.json.checks.migrations.ok).toBe(true);
  const metrics = await scrape(env.app);
  expect(metrics).toMatch(/rootwatch_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/accounts"/);
  expect(metrics).toMatch(/rootwatch_scan_runs\{status="succeeded"\} 5/);
  expect(metrics).toMatch(/rootwatch_accounts\{outcome="assessed"\} \d+/);
  expect(metrics).toMatch(/rootwatch_aws_calls_total\{operation="sts:AssumeRole",outcome="ok"\} \d+/);
  expect(metrics).toMatch(/rootwatch_scan_accounts_total\{outcome="assessed"\} \d+/);
});
