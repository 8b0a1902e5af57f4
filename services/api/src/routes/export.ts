import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CONTROL_IDS } from '@rootwatch/core';
import type { Repositories } from '@rootwatch/db';
import { Type } from 'typebox';
import { csvRow } from '../csv';
import { errorResponses, OrgId } from '../schemas/common';

// Accounts per query: bounds memory to one page whatever the organization's size.
const PAGE_SIZE = 1000;

const COLUMNS = [
  'account_id',
  'name',
  'email',
  'org_id',
  'state',
  'ou_path',
  'last_assessed_at',
  'last_outcome',
  ...CONTROL_IDS,
];

async function* accountRows(
  repos: ExportRouteDeps['repos'],
  orgId: string | undefined,
): AsyncGenerator<string> {
  yield csvRow(COLUMNS);
  let cursor: string | undefined;
  do {
    const page = await repos.accounts.listWithControlStatuses({
      orgId,
      sort: 'id',
      limit: PAGE_SIZE,
      cursor,
    });
    let chunk = '';
    for (const account of page.items) {
      chunk += csvRow([
        account.id,
        account.name,
        account.email,
        account.orgId,
        account.state,
        account.ouPath.map((entry) => entry.name).join('/'),
        account.lastAssessedAt?.toISOString() ?? '',
        account.lastOutcome ?? '',
        ...CONTROL_IDS.map((controlId) => account.controlStatuses[controlId] ?? ''),
      ]);
    }
    yield chunk;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/** What the CSV export reads. */
export type ExportRouteDeps = {
  repos: Pick<Repositories, 'accounts'>;
};

export const exportRoutes: FastifyPluginAsyncTypebox<ExportRouteDeps> = async (app, { repos }) => {
  app.get(
    '/export/accounts.csv',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['export'],
        summary: 'Current posture as CSV: one row per account, one column per control (streamed)',
        querystring: Type.Object({ org: Type.Optional(OrgId) }, { additionalProperties: false }),
        response: {
          200: {
            description: 'CSV (RFC 4180), header row first',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const stream = Readable.from(accountRows(repos, request.query.org));
      stream.on('error', (error) => request.log.error({ err: error }, 'CSV export failed mid-stream'));
      return reply
        .header('Content-Type', 'text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="rootwatch-accounts.csv"')
        .send(stream as never); // a stream is sent as is, never serialized against the schema
    },
  );
};
