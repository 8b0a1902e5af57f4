import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../src/token-bucket';

describe('the AWS request budget', () => {
  it('grants the burst at once, then makes requests wait for tokens in arrival order', async () => {
    let clock = 0;
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 3, now: () => clock });
    await Promise.all([bucket.take(), bucket.take(), bucket.take()]);
    const order: number[] = [];
    const fourth = bucket.take().then(() => order.push(4));
    const fifth = bucket.take().then(() => order.push(5));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    expect(bucket.waiting()).toBe(2);
    // 100 ms at 10/s is exactly one token: only the older request goes.
    clock += 100;
    await fourth;
    expect(order).toEqual([4]);
    expect(bucket.waiting()).toBe(1);
    clock += 100;
    await fifth;
    expect(order).toEqual([4, 5]);
  });

  it('follows a new rate: tokens earned before at the old one, the burst shrinks with the rate', async () => {
    let clock = 0;
    const bucket = createTokenBucket({ ratePerSecond: 100, now: () => clock });
    // A full second of burst at 100/s; halved, at most 50 of them remain.
    bucket.setRate(50);
    expect(bucket.rate()).toBe(50);
    for (let i = 0; i < 50; i++) await bucket.take();
    let next = false;
    const waiting = bucket.take().then(() => {
      next = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(next).toBe(false);
    // 20 ms at 50/s is one token.
    clock += 20;
    await waiting;
    // A share below one request per second still sends: one token of capacity at least.
    bucket.setRate(0.25);
    clock += 4_000;
    await bucket.take();
  });
});
