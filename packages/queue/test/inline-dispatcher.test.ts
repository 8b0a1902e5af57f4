import { describe, expect, it } from 'vitest';
import {
  accountJob,
  createInlineDispatcher,
  PermanentJobError,
  retryDelayMs,
  type ScanHandlers,
  type ScanJob,
} from '../src/index';
import { scanJobId } from '../src/scan-jobs';

const RETRY = {
  attempts: { 'scan.start': 3, 'scan.account': 3, 'scan.finalize': 3 },
  baseDelayMs: 5,
  maxDelayMs: 20,
};

function handlersWith(account: ScanHandlers['scan.account']): ScanHandlers {
  return { 'scan.start': async () => {}, 'scan.account': account, 'scan.finalize': async () => {} };
}

describe('job ids', () => {
  it('are deterministic and never contain ":" (BullMQ key separator)', () => {
    const jobs: ScanJob[] = [
      { name: 'scan.start', payload: { runId: 'r1', orgId: 'o' } },
      accountJob({ runId: 'r1', orgId: 'o', accountId: '123456789012' }),
      { name: 'scan.finalize', payload: { runId: 'r1', orgId: 'o' } },
    ];
    expect(jobs.map(scanJobId)).toEqual(['start-r1', 'acct-r1-123456789012', 'fin-r1']);
    for (const id of jobs.map(scanJobId)) expect(id).not.toContain(':');
  });
});

describe('retry delays', () => {
  it('double per attempt, stay within [half, full] of the exponential delay, and are capped', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 8000 };
    expect(retryDelayMs(1, policy, () => 0)).toBe(500);
    expect(retryDelayMs(1, policy, () => 1)).toBe(1000);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(3000);
    expect(retryDelayMs(10, policy, () => 1)).toBe(8000);
  });
});

describe('the inline dispatcher', () => {
  it('never runs more jobs at once than its concurrency', async () => {
    let running = 0;
    let peak = 0;
    const dispatcher = createInlineDispatcher({
      concurrency: 3,
      retry: RETRY,
      handlers: handlersWith(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      }),
    });
    await dispatcher.dispatch(
      Array.from({ length: 20 }, (_, i) => accountJob({ runId: 'r', orgId: 'o', accountId: String(i) })),
    );
    await dispatcher.idle();
    expect(peak).toBe(3);
  });

  it('ignores a job whose id it has seen, as BullMQ does', async () => {
    const seen: string[] = [];
    const dispatcher = createInlineDispatcher({
      concurrency: 2,
      retry: RETRY,
      handlers: handlersWith(async (p) => {
        seen.push(p.accountId);
      }),
    });
    const job = accountJob({ runId: 'r', orgId: 'o', accountId: 'a' });
    await dispatcher.dispatch([job, job]);
    await dispatcher.dispatch([job]);
    await dispatcher.idle();
    expect(seen).toEqual(['a']);
  });

  it('retries a failing job with the attempt number and final-attempt flag, and records it when attempts run out', async () => {
    const attempts: [number, boolean][] = [];
    const dispatcher = createInlineDispatcher({
      concurrency: 1,
      retry: RETRY,
      handlers: handlersWith(async (_p, ctx) => {
        attempts.push([ctx.attempt, ctx.isFinalAttempt]);
        throw new Error('throttled');
      }),
    });
    await dispatcher.dispatch([accountJob({ runId: 'r', orgId: 'o', accountId: 'a' })]);
    await dispatcher.idle();
    expect(attempts).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(dispatcher.failures()).toHaveLength(1);
    expect(dispatcher.failures()[0]).toMatchObject({ jobId: 'acct-r-a', attempts: 3 });
  });

  it('does not retry a permanent failure', async () => {
    let calls = 0;
    const dispatcher = createInlineDispatcher({
      concurrency: 1,
      retry: RETRY,
      handlers: handlersWith(async () => {
        calls++;
        throw new PermanentJobError('bad_payload', 'cannot be processed');
      }),
    });
    await dispatcher.dispatch([accountJob({ runId: 'r', orgId: 'o', accountId: 'a' })]);
    await dispatcher.idle();
    expect(calls).toBe(1);
    expect(dispatcher.failures()[0]?.error).toMatchObject({ code: 'bad_payload' });
  });

  it('lets a handler enqueue follow-up jobs through the same transport', async () => {
    const order: string[] = [];
    const dispatcher = createInlineDispatcher({
      concurrency: 4,
      retry: RETRY,
      handlers: {
        'scan.start': async (p, ctx) => {
          order.push('start');
          await ctx.enqueue([accountJob({ runId: p.runId, orgId: p.orgId, accountId: 'x' })]);
        },
        'scan.account': async (p, ctx) => {
          order.push(`account ${p.accountId}`);
          await ctx.enqueue([{ name: 'scan.finalize', payload: { runId: p.runId, orgId: p.orgId } }]);
        },
        'scan.finalize': async () => {
          order.push('finalize');
        },
      },
    });
    await dispatcher.dispatch([{ name: 'scan.start', payload: { runId: 'r', orgId: 'o' } }]);
    await dispatcher.idle();
    expect(order).toEqual(['start', 'account x', 'finalize']);
  });
});
