import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Repositories, RootActivityKind } from '@rootwatch/db';
import { Type } from 'typebox';
import type { CursorCodec } from '../cursor-codec';
import { innerCursor } from '../pagination';
import { AccountId, Cursor, errorResponses, FeedOf, Limit, OrgId, Timestamp } from '../schemas/common';
import { RootActivityKindValue, RootActivitySchema, toRootActivity } from '../schemas/root-activity';
import { type ResponseCache, responseKey, sendJson } from '../single-flight-response-cache';

const LIST = 'root-activity';

/** What the root-activity feed reads. */
export type RootActivityRouteDeps = {
  repos: Pick<Repositories, 'rootActivity'>;
  cursors: CursorCodec;
  responses: ResponseCache;
};

export const rootActivityRoutes: FastifyPluginAsyncTypebox<RootActivityRouteDeps> = async (
  app,
  { repos, cursors, responses },
) => {
  app.get(
    '/root-activity',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['root-activity'],
        summary:
          'Root activity from CloudTrail (EventBridge → SQS), oldest first; store next_cursor and pass it as `after` to resume',
        querystring: Type.Object(
          {
            after: Type.Optional(Cursor),
            account: Type.Optional(AccountId),
            org: Type.Optional(OrgId),
            kind: Type.Optional(RootActivityKindValue),
            since: Type.Optional(Timestamp),
            limit: Type.Optional(Limit),
          },
          { additionalProperties: false },
        ),
        response: { 200: FeedOf(RootActivitySchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const after = innerCursor(cursors, LIST, q.after);
      const input = {
        after,
        limit: q.limit ?? 100,
        accountId: q.account,
        orgId: q.org,
        kind: q.kind as RootActivityKind | undefined,
        since: q.since === undefined ? undefined : new Date(q.since),
      };
      const entry = await responses.get(
        reply,
        responseKey(LIST, { ...input, after: after ?? null }),
        async () => {
          const page = await repos.rootActivity.feed(input);
          const next = page.nextCursor === null ? null : cursors.encode(LIST, page.nextCursor);
          return {
            payload: { items: page.items.map(toRootActivity), next_cursor: next, has_more: page.hasMore },
            next: page.hasMore ? next : null,
            // Rows are never updated after their transaction and ids are drawn under the feed lock (as for
            // drift events): a full page is final.
            immutable: page.hasMore,
          };
        },
      );
      return sendJson(request, reply, entry, 'after');
    },
  );
};
