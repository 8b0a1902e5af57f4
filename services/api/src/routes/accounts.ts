import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Repositories } from '@rootwatch/db';
import { Type } from 'typebox';
import type { CursorCodec } from '../cursor-codec';
import { notFound } from '../errors';
import { innerCursor } from '../pagination';
import {
  AccountId,
  ControlIdParam,
  ControlStatusValue,
  Cursor,
  ErrorResponse,
  errorResponses,
  FreeText,
  Limit,
  ListOf,
  listJson,
  OrgId,
  Timestamp,
} from '../schemas/common';
import {
  AccountDetailSchema,
  AccountSummarySchema,
  PostureVersionSchema,
  toAccountDetail,
  toPostureVersion,
} from '../schemas/resources';
import { RootActivitySchema, toRootActivity } from '../schemas/root-activity';
import { type ResponseCache, responseKey, sendJson } from '../single-flight-response-cache';

const AccountParams = Type.Object({ accountId: AccountId });

// The account view's root-activity timeline: the latest events, newest first (the feed has the rest).
const ROOT_ACTIVITY_TIMELINE = 50;
const AccountDetailWithActivity = Type.Object({
  ...AccountDetailSchema.properties,
  root_activity: Type.Array(RootActivitySchema, {
    description:
      'Latest root activity from CloudTrail, newest first (at most 50; GET /v1/root-activity?account= for all)',
  }),
});

/** What the account routes read. */
export type AccountRouteDeps = {
  repos: Pick<Repositories, 'accounts' | 'controlStates' | 'findings' | 'posture' | 'rootActivity'>;
  cursors: CursorCodec;
  responses: ResponseCache;
};

export const accountRoutes: FastifyPluginAsyncTypebox<AccountRouteDeps> = async (
  app,
  { repos, cursors, responses },
) => {
  const requireAccount = async (accountId: string) => {
    const account = await repos.accounts.get({ id: accountId });
    if (!account) throw notFound('account');
    return account;
  };

  app.get(
    '/accounts',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['accounts'],
        summary: 'Current posture per account',
        querystring: Type.Object(
          {
            org: Type.Optional(OrgId),
            ou: Type.Optional(
              Type.String({
                pattern: '^(/([a-z0-9-]{1,68}/)*([a-z0-9-]{1,68})?|ou-[a-z0-9-]{1,64}|r-[a-z0-9]{1,32})$',
                maxLength: 2048,
                description:
                  'An OU path prefix (/r-ab12/ou-ab12-1/) or an OU id anywhere in the path (ou-ab12-1)',
              }),
            ),
            tag: Type.Optional(
              Type.String({
                pattern: '^[^:\\u0000-\\u001f\\u007f]{1,128}:[^\\u0000-\\u001f\\u007f]{0,256}$',
                description: 'key:value (value may contain ":")',
              }),
            ),
            control: Type.Optional(ControlIdParam),
            status: Type.Optional(ControlStatusValue),
            failing: Type.Optional(Type.Boolean()),
            q: Type.Optional(
              FreeText({ minLength: 1, maxLength: 256, description: 'name, id or email contains' }),
            ),
            sort: Type.Optional(Type.Enum(['id', 'name'])),
            include_removed: Type.Optional(Type.Boolean()),
            limit: Type.Optional(Limit),
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(AccountSummarySchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const sort = query.sort ?? 'id';
      const list = `accounts:${sort}`;
      const separator = query.tag?.indexOf(':') ?? -1;
      const input = {
        orgId: query.org,
        ou: query.ou,
        tag: query.tag
          ? { key: query.tag.slice(0, separator), value: query.tag.slice(separator + 1) }
          : undefined,
        controlId: query.control,
        status: query.status,
        failing: query.failing,
        q: query.q,
        sort,
        includeRemoved: query.include_removed,
        limit: query.limit ?? 100,
        cursor: innerCursor(cursors, list, query.cursor),
      };
      const entry = await responses.get(reply, responseKey(list, input), async () => {
        const page = await repos.accounts.listSummariesJson(input);
        const next = page.nextCursor === null ? null : cursors.encode(list, page.nextCursor);
        return { json: listJson(page.items, next), next };
      });
      return sendJson(request, reply, entry, 'cursor');
    },
  );

  app.get(
    '/accounts/:accountId',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['accounts'],
        summary: 'Account metadata, current control results with evidence, open findings',
        params: AccountParams,
        response: { 200: AccountDetailWithActivity, 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request) => {
      const account = await requireAccount(request.params.accountId);
      const [states, open, timeline] = await Promise.all([
        repos.controlStates.listForAccount({ accountId: account.id }),
        repos.findings.listOpenForAccount({ accountId: account.id }),
        repos.rootActivity.timeline({ accountId: account.id, limit: ROOT_ACTIVITY_TIMELINE }),
      ]);
      return { ...toAccountDetail(account, states, open), root_activity: timeline.map(toRootActivity) };
    },
  );

  app.get(
    '/accounts/:accountId/history',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['accounts'],
        summary: 'Posture versions over time, each with its results and observation window',
        params: AccountParams,
        querystring: Type.Object(
          {
            from: Type.Optional(Timestamp),
            to: Type.Optional(Timestamp),
            limit: Type.Optional(Limit),
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(PostureVersionSchema), 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { accountId } = request.params;
      const list = `history:${accountId}`;
      const { from, to, limit, cursor } = request.query;
      const input = {
        accountId,
        from: from === undefined ? undefined : new Date(from),
        to: to === undefined ? undefined : new Date(to),
        limit: limit ?? 100,
        cursor: innerCursor(cursors, list, cursor),
      };
      const entry = await responses.get(reply, responseKey('history', input), async () => {
        const page = await repos.posture.history(input);
        // A version references its account (foreign key), so only an empty page needs the existence check for 404.
        if (page.items.length === 0) await requireAccount(accountId);
        const next = page.nextCursor === null ? null : cursors.encode(list, page.nextCursor);
        return { payload: { items: page.items.map(toPostureVersion), next_cursor: next }, next };
      });
      return sendJson(request, reply, entry, 'cursor');
    },
  );

  app.get(
    '/accounts/:accountId/posture',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['accounts'],
        summary: 'The posture as it was at time T',
        params: AccountParams,
        querystring: Type.Object({ at: Timestamp }, { additionalProperties: false }),
        response: {
          200: Type.Object({ account_id: AccountId, at: Timestamp, version: PostureVersionSchema }),
          404: ErrorResponse,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const account = await requireAccount(request.params.accountId);
      const at = new Date(request.query.at);
      const version = await repos.posture.at({ accountId: account.id, at });
      if (!version) throw notFound(`a posture of account ${account.id} at ${at.toISOString()}`);
      return { account_id: account.id, at: at.toISOString(), version: toPostureVersion(version) };
    },
  );
};
