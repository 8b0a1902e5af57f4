import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../src/index';

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
});
