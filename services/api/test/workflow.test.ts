import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createScanEnvironment, get, type ScanEnvironment } from './harness';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies.
type Json = any;

let env: ScanEnvironment;
const keys = { read: '', findings: '', exceptions: '', admin: '' };
let healthy: string; // root MFA on, no open finding: born-suppressed subject

async function call(
  method: string,
  url: string,
  key: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await env.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${key}`, ...headers },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    json: (response.body ? JSON.parse(response.body) : undefined) as Json,
  };
}

const feedAfter = async (cursor: string | null) =>
  (await get(env.app, `/v1/findings?limit=1000${cursor ? `&updated_after=${cursor}` : ''}`, keys.read)).json;

async function cursorNow(): Promise<string> {
  let cursor: string | null = null;
  for (;;) {
    const page: Json = await feedAfter(cursor);
    cursor = page.next_cursor;
    if (!page.has_more) return cursor!;
  }
}

const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();
const DAY = 86_400_000;

beforeAll(async () => {
  env = await createScanEnvironment({ accounts: 12, seed: 7 });
  keys.read = (await env.keys.createApiKey({ name: 'dashboard', scopes: ['read'] })).key;
  keys.findings = (
    await env.keys.createApiKey({ name: 'triage-bot', scopes: ['read', 'findings:write'] })
  ).key;
  keys.exceptions = (
    await env.keys.createApiKey({
      name: 'risk-owner',
      owner: 'security team',
      scopes: ['read', 'exceptions:write'],
    })
  ).key;
  keys.admin = (await env.keys.createApiKey({ name: 'admin', scopes: ['admin'] })).key;
  const management = env.sim.definition().organization.managementAccountId;
  healthy = env.sim
    .definition()
    .accounts.find(
      (a) =>
        a.id !== management &&
        a.state === 'ACTIVE' &&
        a.auditRole !== false &&
        !a.faults &&
        a.root.password === true &&
        a.root.mfa !== 'none',
    )!.id;
  await env.scan();
}, 120_000);

afterAll(async () => {
  await env?.close();
});

async function openFindings(): Promise<Json[]> {
  return (await get(env.app, '/v1/findings?status=open&limit=1000', keys.read)).json.items;
}

describe('PATCH /v1/findings/{id}', () => {
  test('acknowledge + ticket + note is one change in the feed, by the key name; If-Match guards it', async () => {
    const [finding] = await openFindings();
    expect(finding).toMatchObject({ workflow: 'new', ticket: null, notes: [], exception_id: null });
    const cursor = await cursorNow();
    const read = await get(env.app, `/v1/findings/${finding.id}`, keys.read);
    const etag = read.headers.etag as string;

    const changed = await call(
      'PATCH',
      `/v1/findings/${finding.id}`,
      keys.findings,
      {
        workflow: 'acknowledged',
        ticket: { system: 'jira', key: 'SEC-123', url: 'https://jira.example.com/browse/SEC-123' },
        note: 'owner: platform team\nticket opened',
      },
      { 'if-match': etag },
    );
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({
      workflow: 'acknowledged',
      ticket: { system: 'jira', key: 'SEC-123' },
      notes: [{ by: 'triage-bot', text: 'owner: platform team\nticket opened' }],
      workflow_changed_by: 'triage-bot',
    });
    expect(changed.headers.etag).not.toBe(etag);
    const feed = await feedAfter(cursor);
    expect(feed.items.map((f: Json) => f.id)).toEqual([finding.id]);
    // The new ETag is the one GET serves, and a write with it passes.
    const again = await get(env.app, `/v1/findings/${finding.id}`, keys.read);
    expect(again.headers.etag).toBe(changed.headers.etag);

    // A stale ETag → 412, nothing written.
    const stale = await call(
      'PATCH',
      `/v1/findings/${finding.id}`,
      keys.findings,
      { note: 'late' },
      { 'if-match': etag },
    );
    expect(stale.status).toBe(412);
    expect(stale.json.error.code).toBe('precondition_failed');
    // Nothing to change → 200 without a move in the feed; a note alone appends.
    expect(
      (
        await call('PATCH', `/v1/findings/${finding.id}`, keys.findings, {
          workflow: 'acknowledged',
          ticket: { system: 'jira', key: 'SEC-123', url: 'https://jira.example.com/browse/SEC-123' },
        })
      ).status,
    ).toBe(200);
    expect((await feedAfter(feed.next_cursor)).items).toEqual([]);
    const noted = await call('PATCH', `/v1/findings/${finding.id}`, keys.findings, { note: 'second' });
    expect(noted.json.notes.map((n: Json) => n.text)).toEqual([
      'owner: platform team\nticket opened',
      'second',
    ]);

    // Filters.
    const acknowledged = await get(env.app, '/v1/findings?workflow=acknowledged', keys.read);
    expect(acknowledged.json.items.map((f: Json) => f.id)).toEqual([finding.id]);
    const ticketed = await get(env.app, '/v1/findings?ticket=any', keys.read);
    expect(ticketed.json.items.map((f: Json) => f.id)).toEqual([finding.id]);
    const unticketed = await get(env.app, '/v1/findings?ticket=none&limit=1000', keys.read);
    expect(unticketed.json.items.map((f: Json) => f.id)).not.toContain(finding.id);
    // Detaching the ticket, back to new.
    const detached = await call('PATCH', `/v1/findings/${finding.id}`, keys.findings, {
      ticket: null,
      workflow: 'new',
    });
    expect(detached.json).toMatchObject({ ticket: null, workflow: 'new' });
    const none = await get(env.app, `/v1/findings?ticket=none&account=${finding.account_id}`, keys.read);
    expect(none.json.items.map((f: Json) => f.id)).toContain(finding.id);
  });

  test('bad input → 400 naming the field; unknown → 404; without the scope → 403', async () => {
    const [finding] = await openFindings();
    const url = `/v1/findings/${finding.id}`;
    for (const [body, field] of [
      [{ note: 'x'.repeat(2001) }, 'note'],
      [{ workflow: 'suppressed' }, 'workflow'],
      [{ ticket: { system: 'jira' } }, 'ticket'],
      [{ ticket: { system: 'jira', key: 'A-1', url: 'javascript:alert(1)' } }, 'ticket'],
      [{ owner: 'me' }, 'owner'],
      [{}, 'body'],
    ] as const) {
      const response = await call('PATCH', url, keys.findings, body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(JSON.stringify(response.json.error)).toContain(field);
    }
    for (const payload of ['not json', '[]', '{', JSON.stringify({ note: 'nul \u0000 byte' })]) {
      const response = await env.app.inject({
        method: 'PATCH',
        url,
        headers: { authorization: `Bearer ${keys.findings}`, 'content-type': 'application/json' },
        payload,
      });
      expect({ payload, status: response.statusCode }).toEqual({ payload, status: 400 });
      expect(response.json().error.code).toBeTypeOf('string');
    }
    expect((await call('PATCH', '/v1/findings/999999', keys.findings, { note: 'x' })).status).toBe(404);
    expect((await call('PATCH', url, keys.read, { note: 'x' })).status).toBe(403);
    expect((await call('PATCH', url, keys.exceptions, { note: 'x' })).status).toBe(403);
    expect((await call('PATCH', url, keys.admin, { note: 'admin may' })).status).toBe(200);
  });
});

describe('exceptions', () => {
  test('bad input → 400 naming the field; 403 without the scope', async () => {
    const [finding] = await openFindings();
    const valid = {
      control_id: finding.control_id,
      scope: { account_id: finding.account_id },
      reason: 'legacy account, closing in Q1',
      expires_at: inFuture(30 * DAY),
    };
    for (const [patch, field] of [
      [{ reason: undefined }, 'reason'],
      [{ reason: '   ' }, 'reason'],
      [{ reason: 'x'.repeat(2001) }, 'reason'],
      [{ expires_at: new Date(Date.now() - 1000).toISOString() }, 'expires_at'],
      [{ expires_at: inFuture(367 * DAY) }, 'expires_at'],
      [{ expires_at: 'tomorrow' }, 'expires_at'],
      [{ control_id: 'root.nothing' }, 'control_id'],
      [{ scope: { account_id: '999999999999' } }, 'scope.account_id'],
      [{ scope: { ou: 'ou-zzzz-zzzzzzzz' } }, 'scope.ou'],
      [{ scope: { tag: 'no-colon' } }, 'scope.tag'],
      [{ scope: {} }, 'scope'],
      [{ scope: { account_id: finding.account_id, tag: 'env:prod' } }, 'scope'],
    ] as const) {
      const response = await call('POST', '/v1/exceptions', keys.exceptions, { ...valid, ...patch });
      expect({ patch, status: response.status }).toEqual({ patch, status: 400 });
      expect({ patch, error: JSON.stringify(response.json.error) }).toEqual({
        patch,
        error: expect.stringContaining(field),
      });
    }
    expect((await call('POST', '/v1/exceptions', keys.findings, valid)).status).toBe(403);
    expect((await call('DELETE', `/v1/exceptions/${crypto.randomUUID()}`, keys.read)).status).toBe(403);
    expect((await call('DELETE', `/v1/exceptions/${crypto.randomUUID()}`, keys.exceptions)).status).toBe(404);
    expect((await call('GET', `/v1/exceptions/${crypto.randomUUID()}`, keys.read)).status).toBe(404);
  });

  test('an OU exception suppresses every open finding below it, counts in the summary, and revocation releases them', async () => {
    const [finding] = await openFindings();
    const account = (await get(env.app, `/v1/accounts/${finding.account_id}`, keys.read)).json;
    const ou = account.ou_path.at(-1).id as string;
    expect(ou).toMatch(/^ou-/);
    const cursor = await cursorNow();

    const created = await call('POST', '/v1/exceptions', keys.exceptions, {
      control_id: '*',
      scope: { ou },
      reason: 'sandbox OU: accounts closing',
      expires_at: inFuture(90 * DAY),
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ state: 'live', created_by: 'risk-owner', scope: { ou } });
    expect(created.json.suppressed).toBeGreaterThanOrEqual(1);
    const moved = (await feedAfter(cursor)).items;
    expect(moved.length).toBe(created.json.suppressed);
    expect(new Set(moved.map((f: Json) => f.id)).size).toBe(moved.length);
    for (const f of moved) {
      expect(f).toMatchObject({
        workflow: 'suppressed',
        exception_id: created.json.id,
        workflow_changed_by: 'risk-owner',
      });
    }

    // A suppressed finding's workflow is the exception's: 409; a note is still welcome.
    const target = moved[0];
    expect(
      (await call('PATCH', `/v1/findings/${target.id}`, keys.findings, { workflow: 'acknowledged' })).status,
    ).toBe(409);
    expect(
      (await call('PATCH', `/v1/findings/${target.id}`, keys.findings, { note: 'see exception' })).status,
    ).toBe(200);

    // Read once, after the exception: the summary keeps its answer for a few seconds.
    const summary = (await get(env.app, '/v1/summary', keys.read)).json.organizations[0];
    const control = summary.controls.find((c: Json) => c.control_id === target.control_id);
    expect(control.suppressed).toBeGreaterThanOrEqual(1);
    expect(control.suppressed).toBeLessThanOrEqual(control.fail);
    // compliance_pct is unchanged by exceptions: suppressed FAILs still count there.
    expect(control.compliance_pct).toBe(
      Math.round((control.pass / (control.pass + control.fail)) * 1000) / 10,
    );
    const expected =
      Math.round((control.pass / (control.pass + control.fail - control.suppressed)) * 1000) / 10;
    expect(control.compliance_pct_excluding_exceptions).toBe(
      control.pass + control.fail - control.suppressed === 0 ? null : expected,
    );

    const listed = (await get(env.app, '/v1/exceptions?state=live', keys.read)).json.items;
    expect(listed.find((e: Json) => e.id === created.json.id).covered_findings).toBe(moved.length);
    const detail = (await get(env.app, `/v1/exceptions/${created.json.id}`, keys.read)).json;
    expect(detail.finding_ids.sort()).toEqual(moved.map((f: Json) => f.id).sort());

    const afterSuppress = await cursorNow();
    const revoked = await call('DELETE', `/v1/exceptions/${created.json.id}`, keys.exceptions);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({
      state: 'revoked',
      revoked_by: 'risk-owner',
      released: moved.length,
    });
    const released = (await feedAfter(afterSuppress)).items;
    expect(released.map((f: Json) => [f.workflow, f.exception_id])).toEqual(moved.map(() => ['new', null]));
    expect((await call('DELETE', `/v1/exceptions/${created.json.id}`, keys.exceptions)).status).toBe(409);
    const past = (await get(env.app, '/v1/exceptions?state=ended', keys.read)).json.items;
    expect(past.map((e: Json) => e.id)).toContain(created.json.id);
  });

  test('a finding that opens under a live exception is born suppressed; others of the account are not', async () => {
    const created = await call('POST', '/v1/exceptions', keys.admin, {
      control_id: 'root.mfa',
      scope: { account_id: healthy },
      reason: 'MFA device being replaced',
      expires_at: inFuture(7 * DAY),
    });
    expect(created.status).toBe(201);
    expect(created.json.suppressed).toBe(0);
    await env.patchAccount(healthy, { root: { mfa: 'none' } });
    await env.scan();
    const opened = (await get(env.app, `/v1/findings?status=open&account=${healthy}`, keys.read)).json.items;
    const mfa = opened.find((f: Json) => f.control_id === 'root.mfa');
    expect(mfa).toMatchObject({
      workflow: 'suppressed',
      exception_id: created.json.id,
      workflow_changed_by: 'rootwatch',
    });
    for (const other of opened.filter((f: Json) => f.control_id !== 'root.mfa')) {
      expect(other).toMatchObject({ workflow: 'new', exception_id: null });
    }
  });
});
