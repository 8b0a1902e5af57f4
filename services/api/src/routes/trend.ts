import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { addStatus, compliancePct, emptyCounts } from '@rootwatch/core';
import type { AggregatesRepository, TrendBucket } from '@rootwatch/db';
import { Type } from 'typebox';
import { badRequest } from '../errors';
import { ControlIdParam, errorResponses, Nullable, OrgId, Timestamp } from '../schemas/common';

const BUCKET_MS: Record<TrendBucket, number> = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 };
// Bounds the response: a year of hourly buckets is ~8,800 per org.
const MAX_BUCKETS = 10_000;
const DEFAULT_RANGE_MS = 30 * 86_400_000;

const Counts = {
  pass: Type.Integer(),
  fail: Type.Integer(),
  unknown: Type.Integer(),
  not_applicable: Type.Integer(),
};

const TrendPoint = Type.Object({
  org_id: Type.String(),
  bucket_start: Timestamp,
  scan_run_id: Type.String({
    description: 'The last finished scan of the bucket, whose summary this point is',
  }),
  finished_at: Timestamp,
  totals: Type.Object(Counts),
  compliance_pct: Nullable(Type.Number()),
  controls: Type.Array(
    Type.Object({ control_id: Type.String(), ...Counts, compliance_pct: Nullable(Type.Number()) }),
  ),
});

type SummaryControls = Record<string, Record<string, number>>;

/** What the trend reads. */
export type TrendRouteDeps = {
  aggregates: Pick<AggregatesRepository, 'trend'>;
};

export const trendRoutes: FastifyPluginAsyncTypebox<TrendRouteDeps> = async (app, { aggregates }) => {
  app.get(
    '/trend',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['trend'],
        summary: 'Compliance over time per organization and control, from finished scan runs',
        querystring: Type.Object(
          {
            from: Type.Optional(Timestamp),
            to: Type.Optional(Timestamp),
            bucket: Type.Optional(Type.Enum(['hour', 'day', 'week'])),
            org: Type.Optional(OrgId),
            control: Type.Optional(ControlIdParam),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            bucket: Type.String(),
            from: Timestamp,
            to: Timestamp,
            items: Type.Array(TrendPoint),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const bucket = (q.bucket ?? 'day') as TrendBucket;
      const to = q.to === undefined ? new Date() : new Date(q.to);
      const from = q.from === undefined ? new Date(to.getTime() - DEFAULT_RANGE_MS) : new Date(q.from);
      if (!(from.getTime() < to.getTime())) throw badRequest('invalid_range', 'from must be before to');
      if ((to.getTime() - from.getTime()) / BUCKET_MS[bucket] > MAX_BUCKETS) {
        throw badRequest(
          'range_too_large',
          `at most ${MAX_BUCKETS} buckets per request; use a larger bucket`,
        );
      }
      const rows = await aggregates.trend({ bucket, from, to, orgId: q.org });
      const items = rows.map((row) => {
        const summaryControls = ((row.summary as { controls?: SummaryControls } | null)?.controls ??
          {}) as SummaryControls;
        const totals = emptyCounts();
        const controls = Object.entries(summaryControls)
          .filter(([controlId]) => q.control === undefined || controlId === q.control)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([controlId, statuses]) => {
            const counts = emptyCounts();
            for (const [status, n] of Object.entries(statuses)) {
              addStatus(counts, status, Number(n));
              addStatus(totals, status, Number(n));
            }
            return { control_id: controlId, ...counts, compliance_pct: compliancePct(counts) };
          });
        return {
          org_id: row.orgId,
          bucket_start: row.bucketStart.toISOString(),
          scan_run_id: row.scanRunId,
          finished_at: row.finishedAt.toISOString(),
          totals,
          compliance_pct: compliancePct(totals),
          controls,
        };
      });
      return { bucket, from: from.toISOString(), to: to.toISOString(), items };
    },
  );
};
