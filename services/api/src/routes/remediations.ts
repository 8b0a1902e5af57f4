import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RootwatchConfig } from '@rootwatch/config';
import type { Db, RemediationAction, RemediationPlan, Repositories } from '@rootwatch/db';
import { Type } from 'typebox';
import type { CursorCodec } from '../cursor-codec';
import { ApiError, notFound, queueUnavailable } from '../errors';
import { innerCursor, setNextLink } from '../pagination';
import { claimPlan, planRemediation, RemediationError } from '../remediations/remediations.usecases';
import {
  AccountId,
  Cursor,
  ErrorResponse,
  errorResponses,
  iso,
  isoOrNull,
  Limit,
  ListOf,
  Nullable,
  NullableTimestamp,
  OrgId,
  Timestamp,
} from '../schemas/common';

const LIST = 'remediations';

/** What POST /v1/remediations/{id}/apply needs from the queue package's remediation producer. */
export type RemediationQueue = {
  enqueueAccounts(plan: { id: string; accountIds: string[] }): Promise<void>;
};

const ControlId = Type.String({ pattern: '^[a-z]+\\.[a-z0-9-]{1,60}$', maxLength: 64 });
const OuIdParam = Type.String({
  pattern: '^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$',
  maxLength: 80,
});

const PlannedCredentialSchema = Type.Object({
  type: Type.String({ description: 'access-key | signing-certificate | login-profile | mfa-device' }),
  id: Type.Optional(Type.String({ description: 'access key or certificate id' })),
  status: Type.Optional(Nullable(Type.String())),
  serial: Type.Optional(Type.String({ description: 'MFA device serial' })),
});

const PlannedAccountSchema = Type.Object({
  account_id: Type.String(),
  account_name: Type.String(),
  observed_at: Timestamp,
  credentials: Type.Array(PlannedCredentialSchema),
});

const RefusalSchema = Type.Object({ account_id: Type.String(), code: Type.String(), reason: Type.String() });

const ActionSchema = Type.Object({
  id: Type.Integer(),
  account_id: Nullable(Type.String()),
  kind: Type.String({
    description:
      'planned | approved | deleted | skipped | failed | rescan_requested | rescan_result | finished',
  }),
  credential_type: Nullable(Type.String()),
  credential_id: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  detail: Type.Unknown(),
  actor: Nullable(Type.String()),
  at: Timestamp,
});

export const RemediationPlanSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  org_id: Type.String(),
  status: Type.String({
    description: 'planned | applying | applied | failed (expired: planned past expires_at)',
  }),
  expired: Type.Boolean(),
  created_by: Type.String(),
  created_at: Timestamp,
  expires_at: Timestamp,
  approved_by: Nullable(Type.String()),
  approved_at: NullableTimestamp,
  finished_at: NullableTimestamp,
  selection: Type.Unknown(),
  accounts: Type.Array(PlannedAccountSchema),
});

const PlanWithActionsSchema = Type.Intersect([
  RemediationPlanSchema,
  Type.Object({ actions: Type.Array(ActionSchema) }),
]);

export const toRemediationPlan = (plan: RemediationPlan, now = new Date()) => ({
  id: plan.id,
  org_id: plan.orgId,
  status: plan.status,
  expired: plan.status === 'planned' && plan.expiresAt.getTime() <= now.getTime(),
  created_by: plan.createdBy,
  created_at: iso(plan.createdAt),
  expires_at: iso(plan.expiresAt),
  approved_by: plan.approvedBy,
  approved_at: isoOrNull(plan.approvedAt),
  finished_at: isoOrNull(plan.finishedAt),
  selection: plan.selection,
  accounts: plan.accounts.map((a) => ({
    account_id: a.accountId,
    account_name: a.accountName,
    observed_at: a.observedAt,
    credentials: a.credentials,
  })),
});

const toAction = (a: RemediationAction) => ({
  id: a.id,
  account_id: a.accountId,
  kind: a.kind,
  credential_type: a.credentialType,
  credential_id: a.credentialId,
  reason: a.reason,
  detail: a.detail ?? null,
  actor: a.actor,
  at: iso(a.at),
});

function apiError(error: unknown): never {
  if (error instanceof RemediationError) {
    throw new ApiError(error.statusCode, error.code, error.message, error.details);
  }
  throw error;
}

/** What the remediation routes read, write and enqueue. */
export type RemediationRouteDeps = {
  repos: Pick<Repositories, 'remediations'>;
  cursors: CursorCodec;
  config: RootwatchConfig;
  /** The pool: plans are claimed in transactions. */
  db: Db;
  /** Without it POST /v1/remediations/{id}/apply answers 503. */
  remediationQueue?: RemediationQueue;
};

export const remediationRoutes: FastifyPluginAsyncTypebox<RemediationRouteDeps> = async (
  app,
  { repos, cursors, config, db, remediationQueue },
) => {
  app.get(
    '/remediations',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['remediations'],
        summary: 'Remediation plans, newest first',
        querystring: Type.Object(
          { org: Type.Optional(OrgId), limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(RemediationPlanSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await repos.remediations.list({
        orgId: q.org,
        limit: q.limit ?? 100,
        cursor: innerCursor(cursors, LIST, q.cursor),
      });
      const next = page.nextCursor === null ? null : cursors.encode(LIST, page.nextCursor);
      setNextLink(request, reply, 'cursor', next);
      return { items: page.items.map((p) => toRemediationPlan(p)), next_cursor: next };
    },
  );

  app.get(
    '/remediations/:id',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['remediations'],
        summary:
          'One remediation plan with every recorded action (planned, approved, deleted, skipped, rescan)',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: PlanWithActionsSchema, 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request) => {
      const plan = await repos.remediations.get({ id: request.params.id });
      if (!plan) throw notFound('remediation plan');
      const actions = await repos.remediations.actions({ planId: plan.id });
      return { ...toRemediationPlan(plan), actions: actions.map(toAction) };
    },
  );

  app.post(
    '/remediations',
    {
      config: { auth: 'remediations:write' },
      bodyLimit: 64 * 1024,
      schema: {
        tags: ['remediations'],
        summary:
          'Plan the deletion of root credentials (as last observed) in the selected accounts; nothing changes until another key applies it',
        body: Type.Object(
          {
            org: Type.Optional(OrgId),
            accounts: Type.Optional(Type.Array(AccountId, { minItems: 1, maxItems: 1000 })),
            controls: Type.Optional(Type.Array(ControlId, { minItems: 1, maxItems: 10 })),
            ous: Type.Optional(Type.Array(OuIdParam, { minItems: 1, maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([RemediationPlanSchema, Type.Object({ refused: Type.Array(RefusalSchema) })]),
          404: ErrorResponse,
          409: ErrorResponse,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const principal = request.principal!;
      const { plan, refused } = await planRemediation(
        { db, config },
        {
          orgId: body.org,
          accountIds: body.accounts,
          controls: body.controls,
          ous: body.ous,
          createdBy: principal.name,
          createdByKeyId: principal.keyId,
        },
      ).catch(apiError);
      request.log.info(
        { planId: plan.id, accounts: plan.accounts.length, refused: refused.length },
        'remediation planned',
      );
      return reply.code(201).send({
        ...toRemediationPlan(plan),
        refused: refused.map((r) => ({ account_id: r.accountId, code: r.code, reason: r.reason })),
      });
    },
  );

  app.post(
    '/remediations/:id/apply',
    {
      config: { auth: 'remediations:write' },
      bodyLimit: 1024,
      schema: {
        tags: ['remediations'],
        summary:
          'Approve and apply a plan (a different API key than the planner): the worker deletes, per account and rate-limited, the planned credentials still there, then rescans',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 202: RemediationPlanSchema, 404: ErrorResponse, 409: ErrorResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!remediationQueue) {
        if (!(await repos.remediations.get({ id: request.params.id }))) throw notFound('remediation plan');
        throw queueUnavailable('this API instance cannot apply remediations (no queue)');
      }
      const principal = request.principal!;
      const plan = await claimPlan(
        { db },
        { planId: request.params.id, approvedBy: principal.name, approvedByKeyId: principal.keyId },
      ).catch(apiError);
      try {
        await remediationQueue.enqueueAccounts({
          id: plan.id,
          accountIds: plan.accounts.map((a) => a.accountId),
        });
      } catch (error) {
        // Nothing was applied: the plan goes back to planned so it can be applied once the queue is back.
        await repos.remediations.unclaim({ id: plan.id });
        request.log.warn(
          { err: error, planId: plan.id },
          'remediation not started: the job queue is unavailable',
        );
        throw queueUnavailable('the job queue (Redis) is unavailable; the plan was not applied; retry later');
      }
      request.log.info({ planId: plan.id, approvedBy: principal.name }, 'remediation approved and enqueued');
      return reply.code(202).send(toRemediationPlan(plan));
    },
  );
};
