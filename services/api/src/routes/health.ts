import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type AggregatesRepository, type Database, migrationStatus } from '@rootwatch/db';
import type { Redis } from 'ioredis';
import { Type } from 'typebox';
import { ErrorResponse } from '../schemas/common';

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) });

/** What readiness checks. */
export type HealthRouteDeps = {
  database: Database;
  aggregates: Pick<AggregatesRepository, 'ping'>;
  /** When set, /ready reports it (down only degrades). */
  redis?: Redis;
};

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRouteDeps> = async (
  app,
  { database, redis, aggregates },
) => {
  app.get(
    '/health',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: Postgres reachable and migrations applied (Redis down only degrades)',
        description:
          'Answers 503 only when Postgres is unreachable or migrations are pending. Without Redis the API still serves every read (rate limits are then kept per process) and POST /v1/scans answers 503 queue_unavailable: that is `status: degraded`, still 200, so a load balancer keeps the instance.',
        response: {
          200: Type.Object({
            status: Type.Union([Type.Literal('ready'), Type.Literal('degraded')]),
            checks: Type.Record(Type.String(), Check),
          }),
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const checks: Record<string, { ok: boolean; detail?: string }> = {};
      try {
        await aggregates.ping();
        const status = await migrationStatus(database);
        checks.postgres = { ok: true };
        checks.migrations =
          status.pending === 0
            ? { ok: true, detail: `${status.applied} applied` }
            : { ok: false, detail: `${status.pending} pending` };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness: postgres check failed');
        checks.postgres = { ok: false, detail: 'unreachable' };
      }
      if (redis) {
        checks.redis = (await redisAnswers(redis))
          ? { ok: true }
          : {
              ok: false,
              detail:
                'unreachable: reads are served, POST /v1/scans answers 503, rate limits are per process',
            };
      }
      if (checks.postgres?.ok && checks.migrations?.ok) {
        return { status: checks.redis?.ok === false ? ('degraded' as const) : ('ready' as const), checks };
      }
      return reply
        .code(503)
        .send({ error: { code: 'not_ready', message: 'a dependency is not ready', details: checks } });
    },
  );

  app.get(
    '/openapi.json',
    {
      config: { auth: 'public' },
      schema: { tags: ['operations'], summary: 'This OpenAPI 3.1 document' },
    },
    async () => app.swagger(),
  );
};

// Below the 1 s a Kubernetes probe waits by default: a hung Redis must make /ready say "degraded", not time out.
const REDIS_PING_TIMEOUT_MS = 500;

async function redisAnswers(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const ping = redis.ping().then((reply) => reply === 'PONG');
  try {
    return await Promise.race([
      ping,
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), REDIS_PING_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    ping.catch(() => {});
  }
}
