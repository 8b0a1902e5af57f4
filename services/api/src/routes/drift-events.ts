import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DRIFT_KINDS } from '@rootwatch/core';
import type { Repositories } from '@rootwatch/db';
import { Type } from 'typebox';
import type { CursorCodec } from '../cursor-codec';
import { badRequest } from '../errors';
import { innerCursor } from '../pagination';
import {
  AccountId,
  ControlIdParam,
  Cursor,
  errorResponses,
  FeedOf,
  feedJson,
  Limit,
  OrgId,
  SeverityValue,
  Timestamp,
} from '../schemas/common';
import { DriftEventSchema } from '../schemas/resources';
import { type ResponseCache, responseKey, sendJson } from '../single-flight-response-cache';

const LIST = 'drift-events';

/** What the drift feed reads. */
export type DriftEventRouteDeps = {
  repos: Pick<Repositories, 'driftEvents'>;
  cursors: CursorCodec;
  responses: ResponseCache;
};

export const driftEventRoutes: FastifyPluginAsyncTypebox<DriftEventRouteDeps> = async (
  app,
  { repos, cursors, responses },
) => {
  app.get(
    '/drift-events',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['drift'],
        summary: 'The drift feed, oldest first; store next_cursor and pass it as `after` to resume',
        querystring: Type.Object(
          {
            after: Type.Optional(Cursor),
            cursor: Type.Optional(Cursor),
            since: Type.Optional(Timestamp),
            until: Type.Optional(Timestamp),
            org: Type.Optional(OrgId),
            account: Type.Optional(AccountId),
            control: Type.Optional(ControlIdParam),
            kind: Type.Optional(Type.Enum(DRIFT_KINDS)),
            severity: Type.Optional(SeverityValue),
            limit: Type.Optional(Limit),
          },
          { additionalProperties: false },
        ),
        response: { 200: FeedOf(DriftEventSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (q.after !== undefined && q.cursor !== undefined && q.after !== q.cursor) {
        throw badRequest('invalid_request', 'pass either after or cursor, not both');
      }
      const after = innerCursor(cursors, LIST, q.after ?? q.cursor);
      const input = {
        after,
        limit: q.limit ?? 100,
        since: q.since === undefined ? undefined : new Date(q.since),
        until: q.until === undefined ? undefined : new Date(q.until),
        orgId: q.org,
        accountId: q.account,
        controlId: q.control,
        kind: q.kind,
        severity: q.severity,
      };
      // Keyed by the decoded id, not the cursor string: `after` and `cursor` name the same position.
      const key = responseKey(LIST, { ...input, after: after === undefined ? null : feedId(after) });
      const entry = await responses.get(reply, key, async () => {
        const page = await repos.driftEvents.feedJson(input);
        const next = page.nextCursor === null ? null : cursors.encode(LIST, page.nextCursor);
        return {
          json: feedJson(page.items, next, page.hasMore),
          next: page.hasMore ? next : null,
          // Events are never updated or deleted, and writers draw ids under the feed lock (packages/db
          // feed-lock.ts), so ids become visible in commit order: once a row past this page is visible, no
          // event can still appear inside it. A full page is therefore final; a short one grows.
          immutable: page.hasMore,
        };
      });
      return sendJson(request, reply, entry, 'after');
    },
  );
};

/** The event id of an inner cursor (the repository rejects anything but digits, so keep those apart). */
function feedId(inner: string): number | string {
  return /^[0-9]{1,15}$/.test(inner) ? Number(inner) : `raw:${inner}`;
}
