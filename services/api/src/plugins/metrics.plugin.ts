import type { Registry } from 'prom-client';
import { createMetrics, type Metrics, type ScanCounterSource } from '../metrics';
import { sharedPlugin } from './shared-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's Prometheus registry and request histogram (served by the metrics listener). */
    metrics: Metrics;
  }
}

export type MetricsPluginOptions = {
  queueDepth?: () => Promise<Record<string, number>>;
  registries?: Registry[];
  scanCounters?: ScanCounterSource;
  collectDefaults?: boolean;
  aggregateTtlMs?: number;
};

/** Observes every response (route, status, duration) and gathers what /metrics reports at scrape time. */
export const metricsPlugin = sharedPlugin<MetricsPluginOptions>(
  {
    name: 'rootwatch-metrics',
    decorators: { fastify: ['aggregates', 'responseCache', 'sharedRateLimiter'] },
  },
  async (app, options) => {
    const metrics = createMetrics({
      aggregates: app.aggregates,
      responseCache: app.responseCache,
      queueDepth: options.queueDepth,
      registries: options.registries,
      scanCounters: options.scanCounters,
      collectDefaults: options.collectDefaults ?? true,
      rateLimiter: app.sharedRateLimiter,
      aggregateTtlMs: options.aggregateTtlMs,
    });
    app.decorate('metrics', metrics);

    app.addHook('onResponse', async (request, reply) => {
      metrics.observeRequest(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: reply.statusCode,
        },
        reply.elapsedTime / 1000,
      );
    });
  },
);
