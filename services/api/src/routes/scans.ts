import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RootwatchConfig } from '@rootwatch/config';
import { ERROR_CODES, isRootwatchError, SCAN_STATUSES } from '@rootwatch/core';
import type { Repositories, ScanRun, ScanTrigger } from '@rootwatch/db';
import { Type } from 'typebox';
import type { CursorCodec } from '../cursor-codec';
import { conflict, notFound, queueUnavailable } from '../errors';
import { innerCursor, setNextLink } from '../pagination';
import { Cursor, ErrorResponse, errorResponses, Limit, ListOf, OrgId } from '../schemas/common';
import { ScanRunSchema, toScanRun } from '../schemas/resources';

const LIST = 'scans';

/** What POST /v1/scans needs from the queue package's producer. */
export type ScanStarter = {
  startScan(input: { orgId: string; trigger: ScanTrigger }): Promise<{ id: string }>;
};

/** What the scan routes read and start. */
export type ScanRouteDeps = {
  repos: Pick<Repositories, 'scanRuns'>;
  cursors: CursorCodec;
  config: Pick<RootwatchConfig, 'organizations'>;
  /** Without it POST /v1/scans answers 503. */
  queue?: ScanStarter;
};

export const scanRoutes: FastifyPluginAsyncTypebox<ScanRouteDeps> = async (
  app,
  { repos, cursors, config, queue },
) => {
  app.get(
    '/scans',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['scans'],
        summary: 'Scan runs, newest first, with progress and timings',
        querystring: Type.Object(
          {
            org: Type.Optional(OrgId),
            status: Type.Optional(Type.Enum(SCAN_STATUSES)),
            limit: Type.Optional(Limit),
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(ScanRunSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await repos.scanRuns.list({
        orgId: q.org,
        status: q.status,
        limit: q.limit ?? 100,
        cursor: innerCursor(cursors, LIST, q.cursor),
      });
      const next = page.nextCursor === null ? null : cursors.encode(LIST, page.nextCursor);
      setNextLink(request, reply, 'cursor', next);
      return { items: page.items.map(toScanRun), next_cursor: next };
    },
  );

  app.get(
    '/scans/:id',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['scans'],
        summary: 'One scan run',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: ScanRunSchema, 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request) => {
      const run = await repos.scanRuns.get({ id: request.params.id });
      if (!run) throw notFound('scan');
      return toScanRun(run);
    },
  );

  app.post(
    '/scans',
    {
      config: { auth: 'scans:write' },
      bodyLimit: 4096,
      schema: {
        tags: ['scans'],
        summary: 'Start a scan of one organization (org) or of every configured one (no org)',
        body: Type.Object({ org: Type.Optional(OrgId) }, { additionalProperties: false }),
        response: {
          202: Type.Object({ items: Type.Array(ScanRunSchema) }),
          404: ErrorResponse,
          409: ErrorResponse,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      if (!queue) throw queueUnavailable('this API instance cannot start scans (no queue)');
      const configured = config.organizations.map((org) => org.id);
      const orgId = request.body?.org;
      if (orgId !== undefined && !configured.includes(orgId)) throw notFound(`organization ${orgId}`);
      const targets = orgId === undefined ? configured : [orgId];
      const started: ScanRun[] = [];
      const active: string[] = [];
      for (const target of targets) {
        try {
          const run = await queue.startScan({ orgId: target, trigger: 'api' });
          started.push((await repos.scanRuns.get({ id: run.id })) ?? (run as ScanRun));
        } catch (error) {
          if (isRootwatchError(error, ERROR_CODES.scanAlreadyActive)) {
            active.push(target);
            continue;
          }
          if (isRootwatchError(error, ERROR_CODES.queueUnavailable)) {
            request.log.warn({ err: error, orgId: target }, 'scan not started: the job queue is unavailable');
            throw queueUnavailable(
              'the job queue (Redis) is unavailable, so the scan was not started (its run is recorded as failed); reads still work; retry later',
            );
          }
          throw error;
        }
      }
      if (started.length === 0) {
        throw conflict(
          ERROR_CODES.scanAlreadyActive,
          `a scan is already queued or running for ${active.join(', ')}`,
        );
      }
      return reply.code(202).send({ items: started.map(toScanRun) });
    },
  );
};
