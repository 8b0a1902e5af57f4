import { describe, expect, test } from 'vitest';
import { createByteLruCache } from './byte-lru-cache';

describe('byte LRU cache', () => {
  test('evicts the least recently used entries once the byte bound is passed', () => {
    const cache = createByteLruCache<string>({ maxBytes: 300 });
    cache.set('a', 'A', 99);
    cache.set('b', 'B', 99);
    cache.set('c', 'C', 99);
    expect(cache.get('a')).toBe('A');
    cache.set('d', 'D', 99);
    // b was the least recently used: a was read after it.
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual(['A', 'C', 'D']);
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: 300, evictions: 1 });
  });

  test('an entry heavier than the bound is not kept, and replacing an entry frees its bytes', () => {
    const cache = createByteLruCache<string>({ maxBytes: 100 });
    cache.set('big', 'x', 100);
    expect(cache.get('big')).toBeUndefined();
    cache.set('k', 'v1', 49);
    cache.set('k', 'v2', 29);
    expect(cache.get('k')).toBe('v2');
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 30 });
  });

  test('an entry expires ttlMs after the read that produced it, not after it was stored', () => {
    let clock = 1_000;
    const cache = createByteLruCache<string>({ maxBytes: 1_000, ttlMs: 100, now: () => clock });
    cache.set('k', 'v', 1, 950);
    clock = 1_049;
    expect(cache.get('k')).toBe('v');
    clock = 1_050;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  test('with a TTL of 0 nothing is kept', () => {
    const cache = createByteLruCache<string>({ maxBytes: 1_000, ttlMs: 0 });
    cache.set('k', 'v', 1);
    expect(cache.get('k')).toBeUndefined();
  });
});
