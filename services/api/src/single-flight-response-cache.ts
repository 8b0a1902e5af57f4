import type { FastifyReply, FastifyRequest } from 'fastify';
import { createByteLruCache } from './byte-lru-cache';
import { etagOf } from './etag';
import { setNextLink } from './pagination';

/** A 200 JSON response as sent, plus what each request still builds itself (the Link header needs its URL). */
export type CachedJson = {
  /** UTF-8 bytes: a string would be encoded again on every send (about a third of the CPU of a 120 KB hit). */
  body: Buffer;
  etag: string;
  /** Cursor of the `Link: rel="next"` header; null for none. */
  next: string | null;
  /** A full drift page: no later write can change it (see the route). */
  immutable: boolean;
  /**
   * null while a cache keeps the entry. For one that no cache kept (caches off, or already expired or too large
   * for them): how many requests still have to send it; the last one drops the body once sent (see
   * releaseAfterSend), and a request never takes an entry whose body is dropped.
   */
  senders: number | null;
};

/**
 * What a route computes on a miss: the response object before serialization, or `json`, the response already
 * written as JSON text in the bytes the route's 200 serializer would write (pages built by Postgres), whole or
 * as parts in order.
 */
export type JsonPage = (
  | { payload: Record<string, unknown>; json?: undefined }
  | { json: string | readonly string[]; payload?: undefined }
) & { next: string | null; immutable?: boolean };

export type ResponseCacheOptions = {
  /**
   * Micro-cache of list reads: a response is served for at most this long after the read that produced it,
   * so a client sees a write at most `ttlMs` late. 0 disables it. Default 1,000 ms.
   */
  ttlMs?: number;
  /** Byte bound of the micro-cache. Default 16 MiB. */
  maxBytes?: number;
  /** Byte bound of the cache of immutable responses (full drift pages), kept until evicted; 0 disables it. Default 64 MiB. */
  immutableMaxBytes?: number;
  /** Monotonic milliseconds; tests move it to expire entries. */
  now?: () => number;
};

const CACHE_CONTROL_IMMUTABLE = 'private, max-age=86400, immutable';

/** The key of a response: the route and its normalized inputs (built by the route in a fixed property order). */
export function responseKey(route: string, inputs: unknown): string {
  return `${route} ${JSON.stringify(inputs)}`;
}

/**
 * Serialized JSON responses of the read routes, in two caches: immutable responses until evicted, the others
 * for `ttlMs`. Concurrent misses of one key share one load (single flight). Authentication, scope checks and
 * rate limiting run in the onRequest hook, before any route handler looks here.
 */
export function createResponseCache(options: ResponseCacheOptions = {}) {
  const ttlMs = options.ttlMs ?? 1_000;
  const immutableMaxBytes = options.immutableMaxBytes ?? 64 * 1024 * 1024;
  const now = options.now ?? (() => performance.now());
  const recent = createByteLruCache<{ entry: CachedJson; readAt: number }>({
    maxBytes: options.maxBytes ?? 16 * 1024 * 1024,
    ttlMs,
    now,
  });
  const immutable = createByteLruCache<CachedJson>({ maxBytes: immutableMaxBytes, now });
  const flights = new Map<string, { startedAt: number; result: Promise<CachedJson> }>();
  const counts = { immutableHits: 0, recentHits: 0, sharedLoads: 0, loads: 0, refreshes: 0 };

  async function load(reply: FastifyReply, key: string, loader: () => Promise<JsonPage>) {
    const startedAt = now();
    counts.loads += 1;
    const result = (async () => {
      const page = await loader();
      // The route's own 200 response-schema serializer: the same bytes as an uncached reply. Not
      // reply.serialize(), which picks the schema by the reply's current status (a 304 once it is sent).
      const body = utf8(page.json ?? (reply.serializeInput(page.payload, '200') as string));
      const entry: CachedJson = {
        body,
        etag: etagOf(body),
        next: page.next,
        immutable: page.immutable === true,
        senders: null,
      };
      const size = body.length + entry.etag.length + (entry.next?.length ?? 0);
      const kept = entry.immutable
        ? immutable.set(key, entry, size)
        : recent.set(key, { entry, readAt: startedAt }, size, startedAt);
      if (!kept) entry.senders = 1;
      return entry;
    })();
    const flight = { startedAt, result };
    flights.set(key, flight);
    try {
      return await result;
    } finally {
      if (flights.get(key) === flight) flights.delete(key);
    }
  }

  return {
    async get(reply: FastifyReply, key: string, loader: () => Promise<JsonPage>): Promise<CachedJson> {
      const kept = immutable.get(key);
      if (kept) {
        counts.immutableHits += 1;
        return kept;
      }
      const cached = recent.get(key);
      if (cached) {
        counts.recentHits += 1;
        // Reload a key still in use in the background once it is half way to expiry, so a busy key does not
        // stall the requests that arrive while it is reloaded; what is served stays within the TTL.
        if (now() - cached.readAt >= ttlMs / 2 && !flights.has(key)) {
          counts.refreshes += 1;
          load(reply, key, loader).catch((error: unknown) =>
            reply.log.warn({ err: error }, 'background reload of a cached response failed'),
          );
        }
        return cached.entry;
      }
      const arrivedAt = now();
      const flight = flights.get(key);
      if (flight) {
        // A load already running answers this request only when a cache hit could have: its read started at
        // most ttlMs before this request arrived, or its answer is immutable. Otherwise this request reads again.
        const outcome = await flight.result.then(
          (entry) => ({ entry }),
          (error: unknown) => ({ error }),
        );
        const fresh = ttlMs > 0 && flight.startedAt >= arrivedAt - ttlMs;
        if (
          'entry' in outcome &&
          (fresh || (outcome.entry.immutable && immutableMaxBytes > 0)) &&
          takeShare(outcome.entry)
        ) {
          counts.sharedLoads += 1;
          return outcome.entry;
        }
        if ('error' in outcome && fresh) throw outcome.error;
      }
      return load(reply, key, loader);
    },

    stats() {
      return { ...counts, recent: recent.stats(), immutable: immutable.stats() };
    },
  };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;

/**
 * Sends a serialized body as is: Fastify 5 passes a Buffer payload straight to the onSend hooks (no
 * preSerialization hooks, no response-schema serializer) and keeps a content type already set; without one it
 * would say application/octet-stream. The app's ETag hook reuses `etag` instead of hashing the body again.
 */
export function sendJson(request: FastifyRequest, reply: FastifyReply, entry: CachedJson, linkParam: string) {
  setNextLink(request, reply, linkParam, entry.next);
  if (entry.senders !== null) releaseAfterSend(reply, entry);
  if (entry.immutable) void reply.header('Cache-Control', CACHE_CONTROL_IMMUTABLE);
  return reply.header('ETag', entry.etag).type('application/json; charset=utf-8').send(entry.body);
}

/** Counts one more sender of an entry no cache keeps; false once its body is dropped. */
function takeShare(entry: CachedJson): boolean {
  if (entry.senders === null) return true;
  if (entry.senders === 0) return false;
  entry.senders += 1;
  return true;
}

const DROPPED = Buffer.alloc(0);

/**
 * Drops the body of an entry no cache keeps once its last sender's response is done. The promises of the load
 * were created before the request waited for Postgres, so they are in V8's old generation by the time they
 * settle, and a settled promise holds its value until the next full collection, dead or not. Through them each
 * uncached body (~100 KB of external memory per page) outlived its response, and that external memory started
 * a mark-compact every few hundred pages (pnpm bench:api, event page with caches off: 48 mark-compacts in its
 * 32 s of load; 1 with the body dropped).
 */
function releaseAfterSend(reply: FastifyReply, entry: CachedJson) {
  reply.raw.once('close', () => {
    entry.senders = (entry.senders ?? 1) - 1;
    if (entry.senders === 0) entry.body = DROPPED;
  });
}

/**
 * Unpooled: a small Buffer.from() is a slice of a shared 8 KiB slab, which a cached entry would keep alive.
 * Parts are written one after the other: joining them first would copy a 100 KB page into one more string.
 */
function utf8(text: string | readonly string[]): Buffer {
  const parts = typeof text === 'string' ? [text] : text;
  let length = 0;
  for (const part of parts) length += Buffer.byteLength(part);
  const bytes = Buffer.allocUnsafeSlow(length);
  let offset = 0;
  for (const part of parts) offset += bytes.write(part, offset, 'utf8');
  return bytes;
}
