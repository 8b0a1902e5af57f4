import Fastify, { type FastifyReply } from 'fastify';
import { describe, expect, test } from 'vitest';
import { etagOf } from './etag';
import {
  type CachedJson,
  createResponseCache,
  type JsonPage,
  sendJson,
} from './single-flight-response-cache';

// The two reply methods the cache uses; the route's schema serializer is JSON.stringify here.
const reply = {
  serializeInput: (payload: unknown) => JSON.stringify(payload),
  log: { warn: () => {} },
} as unknown as FastifyReply;

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** A loader that counts its calls and answers page `n` of its calls, optionally held until a gate opens. */
function counter(options: { immutable?: boolean; hold?: Promise<void>; fail?: boolean } = {}) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    load: async (): Promise<JsonPage> => {
      calls += 1;
      const n = calls;
      await options.hold;
      if (options.fail) throw new Error(`load ${n} failed`);
      return { payload: { n }, next: null, immutable: options.immutable };
    },
  };
}

describe('single-flight response cache', () => {
  test('a hit returns the stored body and its ETag until the TTL runs out', async () => {
    let clock = 0;
    const responses = createResponseCache({ ttlMs: 1_000, now: () => clock });
    const loader = counter();
    const first = await responses.get(reply, 'k', loader.load);
    expect({ ...first, body: first.body.toString() }).toEqual({
      body: '{"n":1}',
      etag: etagOf('{"n":1}'),
      next: null,
      immutable: false,
      senders: null,
    });
    clock = 400;
    expect(await responses.get(reply, 'k', loader.load)).toBe(first);
    expect(loader.calls).toBe(1);
    clock = 1_000;
    expect((await responses.get(reply, 'k', loader.load)).body.toString()).toBe('{"n":2}');
  });

  test('concurrent misses of one key share one load; other keys load on their own', async () => {
    const hold = gate();
    const responses = createResponseCache({ ttlMs: 1_000 });
    const loader = counter({ hold: hold.opened });
    const waiting = [1, 2, 3].map(() => responses.get(reply, 'k', loader.load));
    const other = responses.get(reply, 'other', loader.load);
    hold.open();
    const answers = await Promise.all(waiting);
    expect(answers.map((a) => a.body.toString())).toEqual(['{"n":1}', '{"n":1}', '{"n":1}']);
    expect((await other).body.toString()).toBe('{"n":2}');
    expect(loader.calls).toBe(2);
    expect(responses.stats()).toMatchObject({ loads: 2, sharedLoads: 2 });
  });

  test('with the TTL at 0 a request never takes the answer of a load started before it, unless immutable', async () => {
    const hold = gate();
    const responses = createResponseCache({ ttlMs: 0 });
    const mutable = counter({ hold: hold.opened });
    const pending = [responses.get(reply, 'k', mutable.load), responses.get(reply, 'k', mutable.load)];
    hold.open();
    expect((await Promise.all(pending)).map((a) => a.body.toString())).toEqual(['{"n":1}', '{"n":2}']);

    const later = gate();
    const immutable = counter({ hold: later.opened, immutable: true });
    const shared = [responses.get(reply, 'i', immutable.load), responses.get(reply, 'i', immutable.load)];
    later.open();
    expect((await Promise.all(shared)).map((a) => a.body.toString())).toEqual(['{"n":1}', '{"n":1}']);
    expect((await responses.get(reply, 'i', immutable.load)).body.toString()).toBe('{"n":1}');
    expect(immutable.calls).toBe(1);
  });

  test('with both caches off every request loads', async () => {
    const responses = createResponseCache({ ttlMs: 0, immutableMaxBytes: 0 });
    const hold = gate();
    const loader = counter({ hold: hold.opened, immutable: true });
    const pending = [responses.get(reply, 'k', loader.load), responses.get(reply, 'k', loader.load)];
    hold.open();
    await Promise.all(pending);
    await responses.get(reply, 'k', loader.load);
    expect(loader.calls).toBe(3);
  });

  test('a failed load is not cached: its waiters get the error, the next request loads again', async () => {
    const hold = gate();
    const responses = createResponseCache({ ttlMs: 1_000 });
    const failing = counter({ hold: hold.opened, fail: true });
    const pending = [responses.get(reply, 'k', failing.load), responses.get(reply, 'k', failing.load)];
    hold.open();
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(failing.calls).toBe(1);
    const working = counter();
    expect((await responses.get(reply, 'k', working.load)).body.toString()).toBe('{"n":1}');
  });

  test('a key read past half its TTL is reloaded in the background while the cached answer is served', async () => {
    let clock = 0;
    const responses = createResponseCache({ ttlMs: 1_000, now: () => clock });
    const loader = counter();
    await responses.get(reply, 'k', loader.load);
    clock = 499;
    expect((await responses.get(reply, 'k', loader.load)).body.toString()).toBe('{"n":1}');
    expect(loader.calls).toBe(1);
    clock = 500;
    expect((await responses.get(reply, 'k', loader.load)).body.toString()).toBe('{"n":1}');
    expect(loader.calls).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    // The reload read at 500: it is served until 1,500.
    clock = 1_400;
    expect((await responses.get(reply, 'k', loader.load)).body.toString()).toBe('{"n":2}');
    expect(responses.stats().refreshes).toBe(2);
  });

  test('an entry no cache keeps counts its senders: a load slower than the TTL is still shared by its waiters', async () => {
    let clock = 0;
    const hold = gate();
    const responses = createResponseCache({ ttlMs: 1_000, now: () => clock });
    const loader = counter({ hold: hold.opened });
    const pending = [responses.get(reply, 'k', loader.load), responses.get(reply, 'k', loader.load)];
    clock = 1_500;
    hold.open();
    const [first, second] = await Promise.all(pending);
    expect(second).toBe(first);
    expect(first?.senders).toBe(2);
    expect(loader.calls).toBe(1);
    expect(responses.stats().recent.entries).toBe(0);
  });

  test('sendJson drops the body of an entry no cache keeps once its last response is sent, and only then', async () => {
    const responses = createResponseCache({ ttlMs: 0, immutableMaxBytes: 0 });
    const kept = createResponseCache({ ttlMs: 60_000 });
    const sent: CachedJson[] = [];
    const app = Fastify();
    app.get('/:cache', async (request, reply) => {
      const cache = (request.params as { cache: string }).cache === 'off' ? responses : kept;
      const entry = await cache.get(reply, 'k', async () => ({
        json: ['{"page":"', 'x'.repeat(1_000), '"}'],
        next: null,
      }));
      sent.push(entry);
      return sendJson(request, reply, entry, 'after');
    });
    try {
      const off = await app.inject({ url: '/off' });
      expect(off.json()).toEqual({ page: 'x'.repeat(1_000) });
      expect(off.headers.etag).toBe(etagOf(`{"page":"${'x'.repeat(1_000)}"}`));
      expect(sent[0]).toMatchObject({ senders: 0, body: Buffer.alloc(0) });

      // An entry a cache keeps is never dropped: the second request is served the same bytes from the cache.
      const [a, b] = [await app.inject({ url: '/on' }), await app.inject({ url: '/on' })];
      expect(b.body).toBe(a.body);
      expect(a.json()).toEqual({ page: 'x'.repeat(1_000) });
      expect(sent[2]).toBe(sent[1]);
      expect(sent[1]?.senders).toBeNull();
      expect(sent[1]?.body.length).toBe(a.body.length);
    } finally {
      await app.close();
    }
  });

  test('a waiter never takes an entry whose body was dropped: it loads again', async () => {
    let clock = 0;
    const hold = gate();
    const responses = createResponseCache({ ttlMs: 1_000, now: () => clock });
    const loader = counter({ hold: hold.opened });
    const first = responses.get(reply, 'k', loader.load);
    clock = 1_500;
    hold.open();
    const entry = await first;
    // What sendJson does once the response is sent.
    Object.assign(entry, { senders: 0, body: Buffer.alloc(0) });
    const late = responses.get(reply, 'k', loader.load);
    expect((await late).body.toString()).toBe('{"n":2}');
  });
});
