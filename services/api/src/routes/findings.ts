import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FINDING_STATUSES } from '@rootwatch/core';
import type { FindingWorkflow, Repositories } from '@rootwatch/db';
import { Type } from 'typebox';
import type { CursorCodec } from '../cursor-codec';
import { ApiError, badRequest, conflict, notFound } from '../errors';
import { etagOf, matchesEtag } from '../etag';
import { innerCursor } from '../pagination';
import {
  AccountId,
  ControlIdParam,
  Cursor,
  ErrorResponse,
  errorResponses,
  FeedOf,
  Limit,
  SeverityValue,
} from '../schemas/common';
import { FindingSchema, TicketSchema, toFinding } from '../schemas/resources';
import { type ResponseCache, responseKey, sendJson } from '../single-flight-response-cache';

const LIST = 'findings';

const FindingId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

// Notes may span lines; other control characters (and NUL, which Postgres text cannot hold) are refused.
const NoteText = Type.String({
  minLength: 1,
  maxLength: 2000,
  pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$',
  description: 'Appended to the notes (append-only), at most 2,000 characters',
});

/** What the finding routes read and write. */
export type FindingRouteDeps = {
  repos: Pick<Repositories, 'findings'>;
  cursors: CursorCodec;
  responses: ResponseCache;
};

export const findingRoutes: FastifyPluginAsyncTypebox<FindingRouteDeps> = async (
  app,
  { repos, cursors, responses },
) => {
  app.get(
    '/findings',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['findings'],
        summary: 'Findings in change order; pollers store next_cursor and pass it as `updated_after`',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum(FINDING_STATUSES)),
            severity: Type.Optional(SeverityValue),
            control: Type.Optional(ControlIdParam),
            account: Type.Optional(AccountId),
            workflow: Type.Optional(Type.Enum(['new', 'acknowledged', 'suppressed'])),
            ticket: Type.Optional(
              Type.Enum(['none', 'any'], { description: '`none`: no ticket attached; `any`: one is' }),
            ),
            updated_after: Type.Optional(Cursor),
            cursor: Type.Optional(Cursor),
            limit: Type.Optional(Limit),
          },
          { additionalProperties: false },
        ),
        response: { 200: FeedOf(FindingSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (q.updated_after !== undefined && q.cursor !== undefined && q.updated_after !== q.cursor) {
        throw badRequest('invalid_request', 'pass either updated_after or cursor, not both');
      }
      const input = {
        after: innerCursor(cursors, LIST, q.updated_after ?? q.cursor),
        limit: q.limit ?? 100,
        status: q.status,
        severity: q.severity,
        controlId: q.control,
        accountId: q.account,
        workflow: q.workflow as FindingWorkflow | undefined,
        ticket: q.ticket as 'none' | 'any' | undefined,
      };
      // Not immutable even when full: updating a finding moves it to the end of the feed.
      const entry = await responses.get(reply, responseKey(LIST, input), async () => {
        const page = await repos.findings.feed(input);
        const next = page.nextCursor === null ? null : cursors.encode(LIST, page.nextCursor);
        return {
          payload: { items: page.items.map(toFinding), next_cursor: next, has_more: page.hasMore },
          next: page.hasMore ? next : null,
        };
      });
      return sendJson(request, reply, entry, 'updated_after');
    },
  );

  app.get(
    '/findings/:id',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['findings'],
        summary: 'One finding',
        params: FindingId,
        response: { 200: FindingSchema, 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request) => {
      const finding = await repos.findings.get({ id: request.params.id });
      if (!finding) throw notFound('finding');
      return toFinding(finding);
    },
  );

  app.patch(
    '/findings/:id',
    {
      config: { auth: 'findings:write' },
      schema: {
        tags: ['findings'],
        summary: 'Record a decision on a finding: workflow, ticket and/or a note',
        description:
          'One change = one move of the finding in the `updated_after` feed, recording the API key name as `workflow_changed_by`. ' +
          '`If-Match` with the ETag of GET /v1/findings/{id} answers 412 when the finding changed since. ' +
          '`suppressed` is set and lifted only by exceptions: changing the workflow of a suppressed finding answers 409.',
        params: FindingId,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 512 })) }),
        body: Type.Object(
          {
            workflow: Type.Optional(Type.Enum(['new', 'acknowledged'])),
            ticket: Type.Optional(
              Type.Union([TicketSchema, Type.Null()], { description: 'null detaches it' }),
            ),
            note: Type.Optional(NoteText),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: {
          200: FindingSchema,
          404: ErrorResponse,
          409: ErrorResponse,
          412: ErrorResponse,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { workflow, ticket, note } = request.body;
      const ifMatch = request.headers['if-match'];
      // The ETag GET /v1/findings/{id} sent: this route's 200 serializer is the same FindingSchema one.
      const etagOfFinding = (f: Parameters<typeof toFinding>[0]) =>
        etagOf(reply.serializeInput(toFinding(f), '200') as string);
      const result = await repos.findings.decide({
        id: request.params.id,
        by: request.principal!.name,
        workflow: workflow as 'new' | 'acknowledged' | undefined,
        ticket: ticket === undefined ? undefined : ticket === null ? null : { ...ticket },
        note,
        precondition:
          ifMatch === undefined ? undefined : (current) => matchesEtag(ifMatch, etagOfFinding(current)),
      });
      switch (result.outcome) {
        case 'not_found':
          throw notFound('finding');
        case 'precondition_failed':
          throw new ApiError(
            412,
            'precondition_failed',
            'the finding changed since this ETag; read it again',
          );
        case 'suppressed':
          throw conflict(
            'finding_suppressed',
            'the finding is suppressed by an exception; revoke or let the exception expire to change its workflow',
          );
      }
      const body = reply.serializeInput(toFinding(result.finding), '200') as string;
      // A Buffer payload skips the response serializer; the app's ETag hook covers GETs only.
      return reply
        .header('ETag', etagOf(body))
        .type('application/json; charset=utf-8')
        .send(Buffer.from(body) as unknown as ReturnType<typeof toFinding>);
    },
  );
};
