import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { migrationStatus } from '@rootwatch/db';
import { Type } from 'typebox';
import { ErrorResponse } from '../schemas/common';

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { database, redis, queries, metrics } = app.deps;

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
        summary: 'Readiness: Postgres (and Redis when configured) reachable, migrations applied',
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            checks: Type.Record(Type.String(), Check),
          }),
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const checks: Record<string, { ok: boolean; detail?: string }> = {};
      try {
        await queries.ping();
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
        try {
          checks.redis = { ok: (await redis.ping()) === 'PONG' };
        } catch {
          checks.redis = { ok: false, detail: 'unreachable' };
        }
      }
      if (Object.values(checks).every((check) => check.ok) && checks.migrations) {
        return { status: 'ready' as const, checks };
      }
      return reply
        .code(503)
        .send({ error: { code: 'not_ready', message: 'a dependency is not ready', details: checks } });
    },
  );

  app.get(
    '/metrics',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics: HTTP, scans, accounts, AWS calls, queue depth',
      },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.header('Content-Type', metrics.registry.contentType).send(text);
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
