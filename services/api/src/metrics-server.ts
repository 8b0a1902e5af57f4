import Fastify from 'fastify';
import type { Registry } from 'prom-client';

/**
 * /metrics on a listener (API and scheduler roles) of its own (ROOTWATCH_METRICS_PORT), so the port exposed to API clients does not
 * expose it: Prometheus scrapes the pod directly, a load balancer forwards only the API port.
 */
export function buildMetricsApp({ registry }: { registry: Registry }) {
  // No request log: a scrape every few seconds would drown the API's own lines.
  const app = Fastify();
  app.get('/metrics', async (_request, reply) => {
    const text = await registry.metrics();
    return reply.header('Content-Type', registry.contentType).send(text);
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: 'only /metrics is served here' } }),
  );
  return app;
}

export type MetricsServer = { url: string; close(): Promise<void> };

export async function startMetricsServer(options: {
  registry: Registry;
  host: string;
  port: number;
}): Promise<MetricsServer> {
  const app = buildMetricsApp(options);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
