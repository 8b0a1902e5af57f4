import { GetAlternateContactCommand } from '@aws-sdk/client-account';
import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { ListAccountsCommand, paginateListAccounts } from '@aws-sdk/client-organizations';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OrgDefinition, SimStats } from '../src/org-definition.types';
import {
  fixtureDefinition,
  type Harness,
  IAM_DENIED,
  MGMT,
  PAYMENTS,
  REMOVED,
  sdkError,
  startHarness,
  VIRTUAL,
} from './fixture';

describe('control API and fault injection', () => {
  let h: Harness;
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h.sim.endpoint}${path}`, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.sim.stop());
  afterEach(async () => {
    await control('POST', '/_sim/reset');
  });

  it('reports health and the current definition', async () => {
    expect(await control('GET', '/_sim/health')).toEqual({ status: 200, body: { ok: true } });
    const org = (await control('GET', '/_sim/org')).body as OrgDefinition;
    expect(org.accounts.map((a) => a.id)).toEqual(h.sim.definition().accounts.map((a) => a.id));
    expect(org.organization.id).toBe('o-a1b2c3d4e5');
  });

  it('deep-merges PATCH into an account, and the next credential report shows the drift', async () => {
    const creds = await h.assume(PAYMENTS);
    const iam = h.iam(creds);
    await iam.send(new GenerateCredentialReportCommand({}));
    const before = Buffer.from((await iam.send(new GetCredentialReportCommand({}))).Content!).toString();
    expect(before.split('\n')[1]!.split(',')[7]).toBe('true');

    const patched = await control('PATCH', `/_sim/accounts/${PAYMENTS}`, { root: { mfa: 'none' } });
    expect(patched.status).toBe(200);
    expect(patched.body.root.mfa).toBe('none');
    expect(patched.body.root.accessKeys).toHaveLength(2);
    expect(patched.body.tags.owner).toBe('payments');

    expect((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.AccountMFAEnabled).toBe(0);
    // A report cached before the change is not reused (AWS would reuse it for up to 4 hours).
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    const after = Buffer.from((await iam.send(new GetCredentialReportCommand({}))).Content!).toString();
    expect(after.split('\n')[1]!.split(',')[7]).toBe('false');
  });

  it('rejects invalid PATCH bodies with the JSON path and the expectation', async () => {
    const bad = await control('PATCH', `/_sim/accounts/${PAYMENTS}`, { root: { mfa: 'yes' } });
    expect(bad).toEqual({
      status: 400,
      body: {
        error: {
          code: 'org_definition_invalid',
          message: 'account.root.mfa: expected "none" | "virtual" | "hardware" | "passkey", got "yes"',
          path: 'account.root.mfa',
        },
      },
    });
    expect((await control('PATCH', `/_sim/accounts/${PAYMENTS}`, '{nope')).status).toBe(400);
    expect((await control('PATCH', '/_sim/accounts/000000000000', {})).status).toBe(404);
    expect(
      (await control('PATCH', `/_sim/accounts/${PAYMENTS}`, { parentId: 'ou-a1b2-nope0000' })).status,
    ).toBe(400);
    expect(h.sim.definition().accounts.find((a) => a.id === PAYMENTS)!.root.mfa).toBe('hardware');
  });

  it('joins and removes accounts; Organizations and AssumeRole follow', async () => {
    const joined = await control('POST', '/_sim/accounts', {
      id: '131313131313',
      name: 'newcomer',
      parentId: 'r-a1b2',
    });
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({
      id: '131313131313',
      state: 'ACTIVE',
      auditRole: true,
      root: { mfa: 'none' },
    });
    expect((await control('POST', '/_sim/accounts', { id: '131313131313' })).status).toBe(409);
    const ids: string[] = [];
    for await (const page of paginateListAccounts({ client: h.orgs(), pageSize: 20 }, {}))
      ids.push(...(page.Accounts ?? []).map((a) => a.Id!));
    expect(ids).toContain('131313131313');
    await h.assume('131313131313');

    expect((await control('DELETE', `/_sim/accounts/${VIRTUAL}`)).status).toBe(204);
    expect((await control('DELETE', `/_sim/accounts/${VIRTUAL}`)).status).toBe(404);
    const after = await h.orgs().send(new ListAccountsCommand({}));
    expect(after.Accounts!.map((a) => a.Id)).not.toContain(VIRTUAL);
    expect(await sdkError(() => h.assume(VIRTUAL))).toMatchObject({ name: 'AccessDenied' });

    await control('POST', '/_sim/reset');
    expect(h.sim.definition().accounts.map((a) => a.id)).toContain(VIRTUAL);
    expect(h.sim.definition().accounts.map((a) => a.id)).not.toContain('131313131313');
  });

  it('throttles families with token buckets, answering the real throttling errors', async () => {
    const put = await control('PUT', '/_sim/faults', {
      throttle: { 'sts:AssumeRole': 1, iam: 1, organizations: 1 },
    });
    expect(put.body.throttle).toEqual({ 'sts:AssumeRole': 1, iam: 1, organizations: 1 });
    expect(put.body.latencyMs).toEqual({ min: 0, max: 0 });

    await h.iam().send(new GetAccountSummaryCommand({}));
    expect(await sdkError(() => h.iam().send(new GetAccountSummaryCommand({})))).toEqual({
      name: 'Throttling',
      status: 400,
      message: 'Rate exceeded',
    });
    await h.orgs().send(new ListAccountsCommand({}));
    expect(await sdkError(() => h.orgs().send(new ListAccountsCommand({})))).toMatchObject({
      name: 'TooManyRequestsException',
      status: 400,
    });
    await h.assume(PAYMENTS);
    expect(await sdkError(() => h.assume(PAYMENTS))).toMatchObject({ name: 'Throttling', status: 400 });
    const stats = (await control('GET', '/_sim/stats')).body as SimStats;
    expect(stats.throttled).toBe(3);
  });

  it("lets the SDK's default retries (3 attempts) recover from injected IAM throttling", async () => {
    // A fresh simulator: the seeded draws make which attempts are throttled the same on every run.
    const own = await startHarness({ ...fixtureDefinition(), faults: { throttleRate: 0.25 } }, { seed: 7 });
    try {
      const { maxAttempts: _one, ...defaults } = own.clientConfig();
      const iam = new IAMClient(defaults);
      for (let i = 0; i < 12; i++) {
        const out = await iam.send(new GetAccountSummaryCommand({}));
        expect(out.SummaryMap!.AccountMFAEnabled).toBe(1);
        expect(out.$metadata.attempts).toBeLessThanOrEqual(3);
      }
      const stats = own.sim.stats();
      expect(stats.throttled).toBeGreaterThan(0);
      expect(stats.byOperation['iam:GetAccountSummary']).toBe(12 + stats.throttled);
    } finally {
      await own.sim.stop();
    }
  });

  it('counts calls by operation, by account, throttled and failed', async () => {
    h.sim.resetStats();
    const creds = await h.assume(REMOVED);
    await h.iam(creds).send(new GetAccountSummaryCommand({}));
    await h.iam().send(new GetAccountSummaryCommand({}));
    await sdkError(() => h.assume(IAM_DENIED).then((c) => h.iam(c).send(new GetAccountSummaryCommand({}))));
    const stats = (await control('GET', '/_sim/stats')).body as SimStats;
    expect(stats).toEqual({
      requests: 5,
      byOperation: { 'sts:AssumeRole': 2, 'iam:GetAccountSummary': 3 },
      throttled: 0,
      failed: 1,
      byAccount: { [REMOVED]: 2, [MGMT]: 1, [IAM_DENIED]: 2 },
    });
    expect((await control('DELETE', '/_sim/stats')).status).toBe(204);
    expect(h.sim.stats().requests).toBe(0);
  });

  it('adds seeded latency to AWS calls', async () => {
    await control('PUT', '/_sim/faults', { latencyMs: { min: 40, max: 60 } });
    const started = performance.now();
    await h.iam().send(new GetAccountSummaryCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(39);
    expect((await control('PUT', '/_sim/faults', { latencyMs: { min: 5, max: 1 } })).body.error.message).toBe(
      'latencyMs.max: expected a number >= min (5), got 1',
    );
  });

  it('reads security contacts through account:GetAlternateContact', async () => {
    const out = await h
      .account()
      .send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: PAYMENTS }));
    expect(out.AlternateContact).toEqual({
      AlternateContactType: 'SECURITY',
      EmailAddress: 'sec@example.com',
      Name: 'Security',
      PhoneNumber: '+15555550100',
      Title: 'Security',
    });
    const own = await h.account().send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }));
    expect(own.AlternateContact!.EmailAddress).toBe('sec@example.com');
    expect(
      await sdkError(() =>
        h
          .account()
          .send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: REMOVED })),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(
      await sdkError(() =>
        h
          .account()
          .send(new GetAlternateContactCommand({ AlternateContactType: 'BILLING', AccountId: PAYMENTS })),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(
      await sdkError(() =>
        h
          .account()
          .send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: IAM_DENIED })),
      ),
    ).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    const member = await h.assume(PAYMENTS);
    expect(
      await sdkError(() =>
        h
          .account(member)
          .send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: VIRTUAL })),
      ),
    ).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(
      await sdkError(() =>
        h.account().send(new GetAlternateContactCommand({ AlternateContactType: 'NOPE' as never })),
      ),
    ).toMatchObject({ name: 'ValidationException', status: 400 });
  });
});
