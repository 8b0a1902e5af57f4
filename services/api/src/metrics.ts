import type { AggregatesRepository } from '@rootwatch/db';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RateLimiterHealth } from './rate-limit';

type Snapshot = {
  accounts: Record<string, number>;
  awsCalls: Record<string, Record<string, number>>;
  jobRetries: Record<string, number>;
  runs: Partial<Record<string, number>>;
};

/** The worker's in-process counters (`createScanMetrics()` of @rootwatch/worker), read at scrape time. */
export type ScanCounterSource = { snapshot(): Snapshot };

export type MetricsOptions = {
  aggregates: Pick<AggregatesRepository, 'scanRunCounts' | 'accountOutcomeCounts'>;
  /** Jobs waiting or active per queue, when a queue is wired (BullMQ counts). */
  queueDepth?: () => Promise<Record<string, number>>;
  /** Registries of other components running in this process. */
  registries?: Registry[];
  /** Counters of a worker running in this process (single-process mode). */
  scanCounters?: ScanCounterSource;
  collectDefaults?: boolean;
  /** The response caches (single-flight-response-cache.ts), read at scrape time. */
  responseCache?: { stats(): ResponseCacheStats };
  /** The Redis rate limiter's fallback state, when limits are kept in Redis. */
  rateLimiter?: { health(): RateLimiterHealth };
  /**
   * How long the aggregate counts (runs by status, accounts by outcome) are reused (default 15,000 ms): a scrape
   * every few seconds from several Prometheus replicas must not cost a scan of those tables each.
   */
  aggregateTtlMs?: number;
  now?: () => number;
};

type ResponseCacheStats = {
  immutableHits: number;
  recentHits: number;
  sharedLoads: number;
  loads: number;
  refreshes: number;
  recent: { bytes: number; entries: number; evictions: number };
  immutable: { bytes: number; entries: number; evictions: number };
};

type Sample = [Record<string, string>, number];

export function createMetrics({
  aggregates,
  queueDepth,
  registries = [],
  scanCounters,
  collectDefaults = true,
  responseCache,
  rateLimiter,
  aggregateTtlMs = 15_000,
  now = Date.now,
}: MetricsOptions) {
  const registry = new Registry();
  if (collectDefaults) collectDefaultMetrics({ register: registry, prefix: 'rootwatch_api_' });

  const httpDuration = new Histogram({
    name: 'rootwatch_http_request_duration_seconds',
    help: 'HTTP request latency by route (the route pattern, not the raw URL), method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    // Dense below 100 ms, where the API's latency targets are.
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const gauge = (name: string, help: string, labelNames: string[], read: () => Promise<Sample[]>) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const samples = await read();
        this.reset();
        for (const [labels, value] of samples) this.set(labels, value);
      },
    });

  const reused = <T>(load: () => Promise<T>) => {
    let held: { at: number; value: Promise<T> } | undefined;
    return () => {
      if (!held || now() - held.at >= aggregateTtlMs) {
        const value = load();
        held = { at: now(), value };
        // A failed load is not kept: the next scrape tries again.
        value.catch(() => {
          if (held?.value === value) held = undefined;
        });
      }
      return held.value;
    };
  };
  const scanRunCounts = reused(() => aggregates.scanRunCounts());
  const accountOutcomeCounts = reused(() => aggregates.accountOutcomeCounts());

  gauge(
    'rootwatch_scan_runs',
    'Scan runs recorded in the database, by status (counted at most every 15 s).',
    ['status'],
    async () => (await scanRunCounts()).map((row) => [{ status: row.key }, row.count]),
  );
  gauge(
    'rootwatch_accounts',
    'Accounts (not removed) by the outcome of their last scan (none = never scanned; counted at most every 15 s).',
    ['outcome'],
    async () => (await accountOutcomeCounts()).map((row) => [{ outcome: row.key }, row.count]),
  );
  if (queueDepth) {
    // Without Redis the series is absent rather than the whole scrape failing.
    gauge('rootwatch_queue_depth', 'Jobs waiting, delayed or active per queue.', ['queue'], async () =>
      Object.entries(await queueDepth().catch(() => ({}))).map(([queue, depth]) => [{ queue }, depth]),
    );
  }

  if (scanCounters) registerScanCounters(registry, scanCounters);

  if (responseCache) {
    new Counter({
      name: 'rootwatch_api_response_cache_total',
      help: 'Cached list responses: answers by outcome (immutable_hit, hit, shared_load, load, background_reload).',
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        const s = responseCache.stats();
        this.reset();
        const outcomes: Sample[] = [
          [{ outcome: 'immutable_hit' }, s.immutableHits],
          [{ outcome: 'hit' }, s.recentHits],
          [{ outcome: 'shared_load' }, s.sharedLoads],
          [{ outcome: 'load' }, s.loads - s.refreshes],
          [{ outcome: 'background_reload' }, s.refreshes],
        ];
        for (const [labels, value] of outcomes) if (value > 0) this.inc(labels, value);
      },
    });
    new Gauge({
      name: 'rootwatch_api_response_cache_bytes',
      help: 'Bytes held by the response caches (immutable: full drift pages; recent: the 1 s micro-cache).',
      labelNames: ['cache'],
      registers: [registry],
      collect() {
        const s = responseCache.stats();
        this.set({ cache: 'immutable' }, s.immutable.bytes);
        this.set({ cache: 'recent' }, s.recent.bytes);
      },
    });
  }

  if (rateLimiter) {
    new Gauge({
      name: 'rootwatch_api_rate_limit_degraded',
      help: '1 while Redis is unreachable and API keys are rate limited per process instead of across replicas.',
      registers: [registry],
      collect() {
        this.set(rateLimiter.health().degraded ? 1 : 0);
      },
    });
    new Counter({
      name: 'rootwatch_api_rate_limit_fallback_total',
      help: 'Requests rate limited in process memory because Redis was unreachable.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(rateLimiter.health().fallbackHits);
      },
    });
  }

  const merged = registries.length > 0 ? Registry.merge([registry, ...registries]) : registry;
  return {
    registry: merged,
    observeRequest(labels: { method: string; route: string; status_code: number }, seconds: number) {
      httpDuration.observe({ ...labels, status_code: String(labels.status_code) }, seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * rootwatch_aws_calls_total, rootwatch_scan_accounts_total, rootwatch_scan_runs_finished_total and
 * rootwatch_scan_job_retries_total from a worker's in-process counters, read at scrape time: on the API's
 * /metrics in single-process mode, and on the `rootwatch worker` role's own.
 */
export function registerScanCounters(registry: Registry, scanCounters: ScanCounterSource): void {
  const counter = (name: string, help: string, labelNames: string[], read: (s: Snapshot) => Sample[]) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read(scanCounters.snapshot())) if (value > 0) this.inc(labels, value);
      },
    });
  counter(
    'rootwatch_aws_calls_total',
    'AWS API calls by operation and outcome (ok, throttled, error).',
    ['operation', 'outcome'],
    (s) =>
      Object.entries(s.awsCalls).flatMap(([operation, outcomes]) =>
        Object.entries(outcomes).map(([outcome, n]): Sample => [{ operation, outcome }, n]),
      ),
  );
  counter('rootwatch_scan_accounts_total', 'Account assessments recorded, by outcome.', ['outcome'], (s) =>
    Object.entries(s.accounts).map(([outcome, n]): Sample => [{ outcome }, n]),
  );
  counter(
    'rootwatch_scan_runs_finished_total',
    'Scan runs finished in this process, by status.',
    ['status'],
    (s) => Object.entries(s.runs).map(([status, n]): Sample => [{ status }, n ?? 0]),
  );
  counter('rootwatch_scan_job_retries_total', 'Scan job retries, by job name.', ['job'], (s) =>
    Object.entries(s.jobRetries).map(([job, n]): Sample => [{ job }, n]),
  );
}
