import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FINDING_STATUSES } from '@rootwatch/core';
import { Type } from 'typebox';
import { badRequest, notFound } from '../errors';
import { responseKey, sendJson } from '../json-responses';
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
import { FindingSchema, toFinding } from '../schemas/resources';

const LIST = 'findings';

export const findingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, cursors, responses } = app.deps;

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
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
        response: { 200: FindingSchema, 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request) => {
      const finding = await repos.findings.get({ id: request.params.id });
      if (!finding) throw notFound('finding');
      return toFinding(finding);
    },
  );
};
