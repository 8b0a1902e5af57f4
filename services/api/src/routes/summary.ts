import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { addStatus, CONTROL_CATALOG, compliancePct, emptyCounts, type StatusCounts } from '@rootwatch/core';
import type { AggregatesRepository, Repositories } from '@rootwatch/db';
import { Type } from 'typebox';
import { errorResponses, Nullable, OrgId, Timestamp } from '../schemas/common';
import { ScanRunSchema, toScanRun } from '../schemas/resources';
import { createResponseCache, responseKey, sendJson } from '../single-flight-response-cache';

const Counts = {
  pass: Type.Integer(),
  fail: Type.Integer(),
  unknown: Type.Integer(),
  not_applicable: Type.Integer(),
};

const OrgSummary = Type.Object({
  org_id: Type.String(),
  name: Nullable(Type.String()),
  accounts: Type.Object({
    total: Type.Integer(),
    by_state: Type.Record(Type.String(), Type.Integer()),
    assessed: Type.Integer({ description: 'Last scan outcome assessed' }),
    unreachable: Type.Integer(),
    error: Type.Integer(),
    skipped: Type.Integer(),
    never_scanned: Type.Integer(),
  }),
  controls: Type.Array(
    Type.Object({
      control_id: Type.String(),
      title: Type.String(),
      severity: Type.String(),
      ...Counts,
      suppressed: Type.Integer({
        description: 'FAIL results covered by a live exception (still counted in fail)',
      }),
      compliance_pct: Nullable(Type.Number({ description: 'PASS / (PASS + FAIL), exceptions ignored' })),
      compliance_pct_excluding_exceptions: Nullable(
        Type.Number({
          description:
            'PASS / (PASS + FAIL − suppressed): the FAILs covered by a live exception are left out of the evaluated results; null when nothing is left',
        }),
      ),
    }),
  ),
  totals: Type.Object(Counts),
  compliance_pct: Nullable(
    Type.Number({ description: 'PASS / (PASS + FAIL) over every control of every account' }),
  ),
  last_completed_scan: Nullable(ScanRunSchema),
  open_findings: Type.Object({
    critical: Type.Integer(),
    high: Type.Integer(),
    medium: Type.Integer(),
    low: Type.Integer(),
    info: Type.Integer(),
    total: Type.Integer(),
  }),
  root_activity: Type.Object({
    accounts_last_24h: Type.Integer({
      description: 'Accounts whose root was active (CloudTrail) in the last 24 h',
    }),
    accounts_last_7d: Type.Integer({
      description: 'Accounts whose root was active (CloudTrail) in the last 7 days',
    }),
  }),
});

const OUTCOME_FIELD: Record<string, 'assessed' | 'unreachable' | 'error' | 'skipped'> = {
  assessed: 'assessed',
  unreachable: 'unreachable',
  error: 'error',
  skipped: 'skipped',
};

// A dashboard polls the summary; computing it at most every few seconds bounds its cost whatever the poll rate.
const SUMMARY_TTL_MS = 5_000;

/** What the summary reads. */
export type SummaryRouteDeps = {
  repos: Pick<Repositories, 'controlStates' | 'findings' | 'organizations' | 'rootActivity' | 'scanRuns'>;
  aggregates: Pick<AggregatesRepository, 'accountCounts'>;
};

export const summaryRoutes: FastifyPluginAsyncTypebox<SummaryRouteDeps> = async (
  app,
  { repos, aggregates },
) => {
  app.get(
    '/summary',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['summary'],
        summary: 'Posture per organization',
        querystring: Type.Object({ org: Type.Optional(OrgId) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ generated_at: Timestamp, organizations: Type.Array(OrgSummary) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const org = request.query.org;
      const entry = await summaries.get(reply, responseKey('summary', { org: org ?? null }), async () => ({
        payload: await compute(org),
        next: null,
      }));
      return sendJson(request, reply, entry, 'cursor');
    },
  );

  // Aggregates over every control state of every account, which scans change a few times a day at most.
  // The same cache as the list reads, with a longer TTL: a busy summary is reloaded in the background.
  const summaries = createResponseCache({
    ttlMs: SUMMARY_TTL_MS,
    maxBytes: 4 * 1024 * 1024,
    immutableMaxBytes: 0,
  });
  async function compute(orgFilter: string | undefined) {
    const [orgs, accountCounts, rootActivity] = await Promise.all([
      repos.organizations.list(),
      aggregates.accountCounts(),
      repos.rootActivity.accountsWithActivity(),
    ]);
    const selected = orgs.filter((org) => orgFilter === undefined || org.id === orgFilter);
    const organizations = await Promise.all(
      selected.map(async (org) => {
        const [controlCounts, suppressedCounts, openFindings, lastRun] = await Promise.all([
          repos.controlStates.countByControl({ orgId: org.id }),
          repos.findings.countSuppressedByControl({ orgId: org.id }),
          repos.findings.countOpenBySeverity({ orgId: org.id }),
          repos.scanRuns.latestFinished({ orgId: org.id }),
        ]);
        const accounts = {
          total: 0,
          by_state: {} as Record<string, number>,
          assessed: 0,
          unreachable: 0,
          error: 0,
          skipped: 0,
          never_scanned: 0,
        };
        for (const row of accountCounts.filter((r) => r.orgId === org.id)) {
          accounts.total += row.count;
          accounts.by_state[row.state] = (accounts.by_state[row.state] ?? 0) + row.count;
          const field = row.lastOutcome === null ? 'never_scanned' : OUTCOME_FIELD[row.lastOutcome];
          if (field) accounts[field] += row.count;
        }
        const perControl = new Map<string, StatusCounts>();
        const totals = emptyCounts();
        for (const row of controlCounts) {
          const counts = perControl.get(row.controlId) ?? emptyCounts();
          addStatus(counts, row.status, row.count);
          addStatus(totals, row.status, row.count);
          perControl.set(row.controlId, counts);
        }
        const suppressedByControl = new Map(suppressedCounts.map((r) => [r.controlId, r.count]));
        const findings = { critical: 0, high: 0, medium: 0, low: 0, info: 0, total: 0 };
        for (const row of openFindings) {
          findings[row.severity] += row.count;
          findings.total += row.count;
        }
        return {
          org_id: org.id,
          name: org.name,
          accounts,
          controls: CONTROL_CATALOG.map((control) => {
            const counts = perControl.get(control.id) ?? emptyCounts();
            const suppressed = Math.min(suppressedByControl.get(control.id) ?? 0, counts.fail);
            return {
              control_id: control.id,
              title: control.title,
              severity: control.severity,
              ...counts,
              suppressed,
              compliance_pct: compliancePct(counts),
              compliance_pct_excluding_exceptions: compliancePct({
                pass: counts.pass,
                fail: counts.fail - suppressed,
              }),
            };
          }),
          totals,
          compliance_pct: compliancePct(totals),
          last_completed_scan: lastRun ? toScanRun(lastRun) : null,
          open_findings: findings,
          root_activity: {
            accounts_last_24h: rootActivity.find((r) => r.orgId === org.id)?.last24h ?? 0,
            accounts_last_7d: rootActivity.find((r) => r.orgId === org.id)?.last7d ?? 0,
          },
        };
      }),
    );
    return { generated_at: new Date().toISOString(), organizations };
  }
};
