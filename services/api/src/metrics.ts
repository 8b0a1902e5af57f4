import type { ApiQueriesRepository } from '@rootwatch/db';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type MetricsOptions = {
  queries: ApiQueriesRepository;
  /** Jobs waiting or active per queue, when a queue is wired (BullMQ counts). */
  queueDepth?: () => Promise<Record<string, number>>;
  /** Registries of components running in this process (the worker's AWS call counters in single-process mode). */
  registries?: Registry[];
  collectDefaults?: boolean;
};

export function createMetrics({
  queries,
  queueDepth,
  registries = [],
  collectDefaults = true,
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

  new Gauge({
    name: 'rootwatch_scan_runs',
    help: 'Scan runs recorded in the database, by status.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await queries.scanRunCounts()) this.set({ status: row.key }, row.count);
    },
  });

  new Gauge({
    name: 'rootwatch_accounts',
    help: 'Accounts (not removed) by the outcome of their last scan (none = never scanned).',
    labelNames: ['outcome'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await queries.accountOutcomeCounts()) this.set({ outcome: row.key }, row.count);
    },
  });

  if (queueDepth) {
    new Gauge({
      name: 'rootwatch_queue_depth',
      help: 'Jobs waiting, delayed or active per queue.',
      labelNames: ['queue'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [queue, depth] of Object.entries(await queueDepth())) this.set({ queue }, depth);
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
