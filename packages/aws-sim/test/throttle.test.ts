import { GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { ListRootsCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fixtureDefinition,
  type Harness,
  PAYMENTS,
  REMOVED,
  sdkError,
  startHarness,
  VIRTUAL,
} from './fixture';

// AWS-SIM.md "Fidelity additions": IAM is limited per member account, AssumeRole and Organizations per
// calling account; throttled calls answer the services' real errors (AWS-WIRE.md): `Throttling` (query
// protocol, IAM and STS), `TooManyRequestsException` (JSON protocol, Organizations).
/** The error name a call fails with, or 'ok'. */
async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    return (err as Error).name;
  }
}

describe('per-account and per-caller throttles', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.sim.stop();
    h = undefined;
  });
  const start = (extra: Record<string, unknown>, seed?: number) =>
    startHarness({ ...fixtureDefinition(), ...extra }, seed === undefined ? {} : { seed });

  it('gives each member account its own IAM bucket ("iam:perAccount")', async () => {
    h = await start({ throttle: { 'iam:perAccount': 1 } });
    const payments = h.iam(await h.assume(PAYMENTS));
    const virtual = h.iam(await h.assume(VIRTUAL));
    await payments.send(new GetAccountSummaryCommand({}));
    // The second call in the same second is throttled in that account only.
    expect(await sdkError(() => payments.send(new GetAccountSummaryCommand({})))).toEqual({
      name: 'Throttling',
      status: 400,
      message: 'Rate exceeded',
    });
    await virtual.send(new GetAccountSummaryCommand({}));
    expect(h.sim.definition().throttle['iam:perAccount']).toBe(1);
    expect(h.sim.stats().throttled).toBe(1);
  });

  it('limits AssumeRole per calling account: a member session still has its own budget', async () => {
    h = await start({ throttle: { 'sts:AssumeRole': 1 } });
    const member = await h.assume(PAYMENTS);
    expect(await sdkError(() => h!.assume(REMOVED))).toMatchObject({ name: 'Throttling', status: 400 });
    // The member's own AssumeRole is not throttled by the management account's bucket: STS answers it
    // on its merits (the audit role may not chain), not with Throttling.
    const own = await outcome(() =>
      h!.sts(member).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${REMOVED}:role/RootwatchAudit`,
          RoleSessionName: 'chained',
        }),
      ),
    );
    expect(own).not.toBe('Throttling');
  });

  it('limits Organizations per calling account with TooManyRequestsException', async () => {
    h = await start({ throttle: { organizations: 2 } });
    const orgs = h.orgs();
    await orgs.send(new ListRootsCommand({}));
    await orgs.send(new ListRootsCommand({}));
    const throttled = await sdkError(() => orgs.send(new ListRootsCommand({})));
    expect(throttled).toMatchObject({ name: 'TooManyRequestsException', status: 400 });
    expect(throttled.message).toMatch(/Try again later/);
    // Another caller (a member session) has its own bucket: no throttling error for it.
    const member = await h.assume(PAYMENTS);
    const other = await outcome(() => h!.orgs(member).send(new ListRootsCommand({})));
    expect(other).not.toBe('TooManyRequestsException');
    // The bucket refills at its rate.
    await new Promise((r) => setTimeout(r, 600));
    await orgs.send(new ListRootsCommand({}));
  });

  it('applies faults.throttleRate to the services faults.throttleServices lists', async () => {
    h = await start({ faults: { throttleRate: 1, throttleServices: ['sts', 'organizations'] } });
    expect(await sdkError(() => h!.assume(PAYMENTS))).toMatchObject({ name: 'Throttling', status: 400 });
    expect(await sdkError(() => h!.orgs().send(new ListRootsCommand({})))).toMatchObject({
      name: 'TooManyRequestsException',
    });
    // IAM is not listed: not throttled; every STS call is once STS is listed.
    await h.iam().send(new GetAccountSummaryCommand({}));
    expect(await sdkError(() => h!.sts().send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: 'Throttling',
    });
    expect(h.sim.definition().faults.throttleServices).toEqual(['sts', 'organizations']);
  });

  it('keeps throttleRate to IAM when throttleServices is absent', async () => {
    h = await start({ faults: { throttleRate: 1 } });
    expect(await sdkError(() => h!.iam().send(new GetAccountSummaryCommand({})))).toMatchObject({
      name: 'Throttling',
    });
    await h.orgs().send(new ListRootsCommand({}));
    await h.assume(PAYMENTS);
  });

  it('rejects an unknown throttled service', async () => {
    await expect(
      startHarness({ ...fixtureDefinition(), faults: { throttleRate: 0.5, throttleServices: ['s3'] } }),
    ).rejects.toThrow(/faults\.throttleServices\[0\]/);
  });
});
