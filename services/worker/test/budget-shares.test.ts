import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@rootwatch/db/testing';
import { redisConnection } from '@rootwatch/queue';
import { startOwnRedis } from '@rootwatch/queue/testing';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BudgetShares, createBudgetShares } from '../src/budget-shares';
import { startWorker } from '../src/index';
import { createRequestBudgets } from '../src/request-budgets';
import { generatedDefinition, orgConfig, silentLogger, startSim, testConfig } from './support/harness';

const REDIS = 'redis://127.0.0.1:6379';
// Beats ten times faster than the defaults: a worker is forgotten 300 ms after its last beat.
const TIMING = { intervalMs: 50, ttlMs: 300 };
const BUDGETS = { iamPerAccount: 20, stsPerCaller: 100, organizationsPerCaller: 10 };

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A connection as the worker opens it for its beats: refused at once while down, bounded while hung. */
function failFast(url = REDIS): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 100 });
  redis.on('error', () => {});
  cleanups.push(() => redis.disconnect());
  return redis;
}

/** One worker process's view: its shares and the request budgets built on them. */
async function worker(prefix: string, redis = failFast(), timing: Partial<typeof TIMING> = {}) {
  const shares = createBudgetShares({ redis, prefix, ...TIMING, ...timing });
  await shares.start();
  cleanups.push(() => shares.stop());
  return { shares, redis, budgets: createRequestBudgets(BUDGETS, undefined, shares) };
}

const stsRate = (w: Awaited<ReturnType<typeof worker>>) => w.budgets.of('sts', 'ambient')!.rate();

describe('per-caller AWS budgets shared by the worker processes', () => {
  it('splits STS between the processes that spend it; IAM stays per account; a budget one process spends is whole', async () => {
    const prefix = `rwtest-${randomBytes(4).toString('hex')}`;
    const a = await worker(prefix);
    const b = await worker(prefix);
    // Both assume roles as the same caller: each gets half once the beats have counted both.
    // Both spend it (each call of the waitFor is a request of each).
    await vi.waitFor(() => expect([stsRate(a), stsRate(b)]).toEqual([50, 50]));
    // Only a reads Organizations (discovery runs in one process): it keeps the whole budget.
    await vi.waitFor(() => expect(a.budgets.of('organizations', 'ambient')!.rate()).toBe(10));
    expect(a.shares.liveWorkers()).toBe(2);
    // A member account's IAM calls all come from the process assessing it: never split.
    expect(a.budgets.of('iam', '222222222222')!.rate()).toBe(20);
    // Another caller (an org's discovery role) is another budget, here spent by a alone.
    await vi.waitFor(() => expect(a.budgets.of('sts', 'org:prod')!.rate()).toBe(100));
    // One process without Redis (`scan --once`, the demo) spends every budget whole.
    expect(createRequestBudgets(BUDGETS).of('sts', 'ambient')!.rate()).toBe(100);
  });

  it('forgets a process that stopped beating; the one that lost Redis keeps its last share', async () => {
    const prefix = `rwtest-${randomBytes(4).toString('hex')}`;
    const a = await worker(prefix);
    const b = await worker(prefix);
    // Both spend it (each call of the waitFor is a request of each).
    await vi.waitFor(() => expect([stsRate(a), stsRate(b)]).toEqual([50, 50]));
    // b can no longer reach Redis (for the others, it died): its entries expire after the ttl.
    b.redis.disconnect();
    await vi.waitFor(() => expect(stsRate(a)).toBe(100));
    expect(a.shares.liveWorkers()).toBe(1);
    // b's beats fail: it keeps spending half, and its requests never wait for Redis.
    expect(stsRate(b)).toBe(50);
    await b.budgets.of('sts', 'ambient')!.take();
  });

  it('keeps the last shares while Redis hangs, without piling up beats, and recovers after', async () => {
    const own = await startOwnRedis();
    cleanups.push(() => own.stop());
    const prefix = 'rwtest';
    const a = await worker(prefix, failFast(own.url));
    const b = await worker(prefix, failFast(own.url));
    // Both spend it (each call of the waitFor is a request of each).
    await vi.waitFor(() => expect([stsRate(a), stsRate(b)]).toEqual([50, 50]));
    let inFlight = 0;
    let maxInFlight = 0;
    let beats = 0;
    const evaluate = a.redis.eval.bind(a.redis) as (...args: unknown[]) => Promise<unknown>;
    vi.spyOn(a.redis, 'eval').mockImplementation((async (...args: unknown[]) => {
      beats++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await evaluate(...args);
      } finally {
        inFlight--;
      }
    }) as never);
    own.freeze();
    cleanups.push(() => own.thaw());
    // Several intervals with every beat timing out: the shares stay, one beat at a time.
    await new Promise((r) => setTimeout(r, 6 * TIMING.intervalMs));
    expect(stsRate(a)).toBe(50);
    expect(beats).toBeGreaterThan(1);
    expect(maxInFlight).toBe(1);
    own.thaw();
    await b.shares.stop();
    await vi.waitFor(() => expect(stsRate(a)).toBe(100));
  });

  it('a stopping process leaves the counts: the others take the whole budget at their next beat', async () => {
    const prefix = `rwtest-${randomBytes(4).toString('hex')}`;
    const a = await worker(prefix);
    const b = await worker(prefix);
    // Both spend it (each call of the waitFor is a request of each).
    await vi.waitFor(() => expect([stsRate(a), stsRate(b)]).toEqual([50, 50]));
    await a.shares.stop();
    // Well within the ttl: the departure was explicit.
    await vi.waitFor(() => expect(stsRate(b)).toBe(100), { timeout: TIMING.ttlMs / 2 });
  });

  it('startWorker counts the processes on one queue and exposes its shares as a gauge', async () => {
    const testDb = await createTestDatabase();
    cleanups.push(() => testDb.drop());
    const definition = generatedDefinition(2, 1);
    const sim = await startSim(definition);
    cleanups.push(() => sim.stop());
    const prefix = `rwtest-${randomBytes(4).toString('hex')}`;
    const registries = [new Registry(), new Registry()];
    const start = (registry: Registry) =>
      startWorker({
        config: {
          ...testConfig(sim, [orgConfig(definition)]),
          redisUrl: REDIS,
          databaseUrl: testDb.url!,
          worker: { concurrency: 2, awsBudgets: BUDGETS },
        },
        logger: silentLogger,
        database: testDb.database,
        connection: redisConnection(REDIS),
        prefix,
        recoveryIntervalMs: 0,
        remediation: false,
        budgetShares: TIMING,
        registry,
        awsSource: { credentials: sim.credentials },
      });
    const first = await start(registries[0]!);
    const second = await start(registries[1]!);
    const shares = [first.budgetShares, second.budgetShares] as BudgetShares[];
    await vi.waitFor(() => expect(shares.map((s) => s.liveWorkers())).toEqual([2, 2]));
    shares[0]!.use('sts/ambient');
    await vi.waitFor(async () =>
      expect(await registries[0]!.getSingleMetricAsString('rootwatch_aws_budget_share')).toMatch(
        /rootwatch_aws_budget_share\{budget="sts\/ambient"\} 1$/m,
      ),
    );
    await second.close();
    await vi.waitFor(() => expect(shares[0]!.liveWorkers()).toBe(1));
    await first.close();
  });
});
