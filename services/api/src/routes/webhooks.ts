import { lookup } from 'node:dns/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RootwatchConfig } from '@rootwatch/config';
import { resolveWebhookTarget, WEBHOOK_EVENT_TYPES, WebhookTargetError } from '@rootwatch/core';
import type { Db } from '@rootwatch/db';
import {
  createInstallSecretsRepository,
  createWebhookSecretBox,
  createWebhooksRepository,
  WEBHOOK_SECRET_KEY_NAME,
  type Webhook,
  type WebhookDelivery,
} from '@rootwatch/db';
import { Type } from 'typebox';
import type { CursorCodec } from '../cursor-codec';
import { ApiError, badRequest, notFound } from '../errors';
import { innerCursor, setNextLink } from '../pagination';
import {
  Cursor,
  ErrorResponse,
  errorResponses,
  FreeText,
  iso,
  isoOrNull,
  Limit,
  ListOf,
  Nullable,
  NullableTimestamp,
  SeverityValue,
  Timestamp,
} from '../schemas/common';

const LIST = 'webhook-deliveries';

const WebhookSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  severity_at_least: Nullable(Type.String({ description: 'drift.event only: the lowest severity sent' })),
  enabled: Type.Boolean(),
  disabled_reason: Nullable(Type.String()),
  disabled_at: NullableTimestamp,
  created_by: Nullable(Type.String({ description: 'Name of the API key that created it' })),
  created_at: Timestamp,
});

const CreatedWebhookSchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({
    description: 'The signing secret (whsec_…), shown only in this response: store it in the receiver.',
  }),
});

const DeliverySchema = Type.Object({
  id: Type.Integer(),
  webhook_id: Type.String({ format: 'uuid' }),
  event_id: Type.String({ description: 'Sent as webhook-id (msg_<event_id>); the same on every retry' }),
  event_type: Type.String(),
  subject: Type.String({ description: 'Events of one subject (e.g. finding/42) arrive in order' }),
  status: Type.Enum(['pending', 'delivered', 'failed']),
  attempts: Type.Integer(),
  last_status_code: Nullable(Type.Integer()),
  last_latency_ms: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  response_body: Nullable(Type.String({ description: 'The first KB of the last response' })),
  next_attempt_at: Timestamp,
  first_attempt_at: NullableTimestamp,
  delivered_at: NullableTimestamp,
  created_at: Timestamp,
  attempt_log: Type.Array(
    Type.Object({
      at: Timestamp,
      status_code: Nullable(Type.Integer()),
      latency_ms: Type.Integer(),
      error: Nullable(Type.String()),
    }),
    { description: 'The last 20 attempts, oldest first' },
  ),
});

const toWebhook = (webhook: Webhook) => ({
  id: webhook.id,
  url: webhook.url,
  events: webhook.events,
  description: webhook.description,
  severity_at_least: webhook.severityAtLeast,
  enabled: webhook.enabled,
  disabled_reason: webhook.disabledReason,
  disabled_at: isoOrNull(webhook.disabledAt),
  created_by: webhook.createdBy,
  created_at: iso(webhook.createdAt),
});

const toDelivery = (delivery: WebhookDelivery) => ({
  id: delivery.id,
  webhook_id: delivery.webhookId,
  event_id: delivery.eventId,
  event_type: delivery.eventType,
  subject: delivery.subject,
  status: delivery.status as 'pending',
  attempts: delivery.attempts,
  last_status_code: delivery.lastStatusCode,
  last_latency_ms: delivery.lastLatencyMs,
  last_error: delivery.lastError,
  response_body: delivery.responseBody,
  next_attempt_at: iso(delivery.nextAttemptAt),
  first_attempt_at: isoOrNull(delivery.firstAttemptAt),
  delivered_at: isoOrNull(delivery.deliveredAt),
  created_at: iso(delivery.createdAt),
  attempt_log: delivery.attemptLog,
});

const WebhookId = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const DeliveryParams = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    delivery: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);

/** What the webhook routes read and write. */
export type WebhookRouteDeps = {
  cursors: CursorCodec;
  config: Pick<RootwatchConfig, 'webhooks'>;
  /** The pool: the webhook repository seals secrets with the install's key. */
  db: Db;
};

export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRouteDeps> = async (
  app,
  { cursors, config, db },
) => {
  const key = await createInstallSecretsRepository({ db }).getOrCreate({
    name: WEBHOOK_SECRET_KEY_NAME,
  });
  const webhooks = createWebhooksRepository({ db, secrets: createWebhookSecretBox(key) });
  const existing = async (id: string) => {
    const webhook = await webhooks.get({ id });
    if (!webhook) throw notFound('webhook');
    return webhook;
  };

  app.post(
    '/webhooks',
    {
      config: { auth: 'admin' },
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['webhooks'],
        summary: 'Register a webhook; the response carries its signing secret, shown only once',
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2048, description: 'https:// receiver URL' }),
            events: Type.Array(Type.Enum([...WEBHOOK_EVENT_TYPES]), {
              minItems: 1,
              maxItems: 16,
              uniqueItems: true,
            }),
            description: Type.Optional(FreeText({ maxLength: 500 })),
            severity_at_least: Type.Optional(SeverityValue),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedWebhookSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.severity_at_least !== undefined && !body.events.includes('drift.event')) {
        throw badRequest(
          'invalid_request',
          'severity_at_least filters drift.event, which events does not include',
          [{ path: 'body/severity_at_least', message: 'only with the drift.event event' }],
        );
      }
      try {
        // The same check as at every delivery, so a URL that could never be delivered to is refused now.
        await resolveWebhookTarget(body.url, {
          allowPrivate: config.webhooks?.allowPrivate ?? false,
          lookup: (host) => lookup(host, { all: true, verbatim: true }),
        });
      } catch (error) {
        if (error instanceof WebhookTargetError) {
          throw badRequest('webhook_url_not_allowed', error.message, [
            { path: 'body/url', message: error.message },
          ]);
        }
        throw error;
      }
      const { webhook, secret } = await webhooks.create({
        url: body.url,
        events: body.events,
        description: body.description ?? null,
        severityAtLeast: body.severity_at_least ?? null,
        createdBy: request.principal?.name ?? null,
      });
      return reply.code(201).send({ ...toWebhook(webhook), secret });
    },
  );

  app.get(
    '/webhooks',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Registered webhooks (without their secrets)',
        response: { 200: ListOf(WebhookSchema), ...errorResponses },
      },
    },
    async () => ({ items: (await webhooks.list()).map(toWebhook), next_cursor: null }),
  );

  app.get(
    '/webhooks/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'One webhook, with whether it is enabled (and why not)',
        params: WebhookId,
        response: { 200: WebhookSchema, 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request) => toWebhook(await existing(request.params.id)),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a webhook and its delivery log; nothing more is sent to it',
        params: WebhookId,
        response: { 204: Type.Null(), 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!(await webhooks.delete({ id: request.params.id }))) throw notFound('webhook');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Deliveries of a webhook, newest first: attempts, status codes, latency, last error',
        params: WebhookId,
        querystring: Type.Object(
          { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(DeliverySchema), 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      await existing(request.params.id);
      const limit = request.query.limit ?? 100;
      const before = innerCursor(cursors, LIST, request.query.cursor);
      const items = await webhooks.deliveries({
        webhookId: request.params.id,
        limit,
        ...(before === undefined ? {} : { before: Number(before) }),
      });
      const next = items.length === limit ? cursors.encode(LIST, String(items[items.length - 1]!.id)) : null;
      setNextLink(request, reply, 'cursor', next);
      return { items: items.map(toDelivery), next_cursor: next };
    },
  );

  app.post(
    '/webhooks/:id/deliveries/:delivery/retry',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again now, with a fresh 24 h retry window',
        params: DeliveryParams,
        response: { 202: DeliverySchema, 404: ErrorResponse, 409: ErrorResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const webhook = await existing(request.params.id);
      if (!webhook.enabled) throw webhookDisabled(webhook);
      const delivery = await webhooks.retry({ webhookId: webhook.id, id: request.params.delivery });
      if (!delivery) throw notFound('delivery');
      return reply.code(202).send(toDelivery(delivery));
    },
  );

  app.post(
    '/webhooks/:id/enable',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary:
          'Enable a webhook again (after a 410 Gone disabled it): it receives the events from now on, with its secret and delivery log kept',
        params: WebhookId,
        response: { 200: WebhookSchema, 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request) => {
      const webhook = await webhooks.enable({ id: request.params.id });
      if (!webhook) throw notFound('webhook');
      request.log.info({ webhookId: webhook.id }, 'webhook enabled');
      return toWebhook(webhook);
    },
  );

  app.post(
    '/webhooks/:id/test',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Send a signed webhook.test event to this webhook; follow it in its deliveries',
        params: WebhookId,
        response: { 202: DeliverySchema, 404: ErrorResponse, 409: ErrorResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const webhook = await existing(request.params.id);
      if (!webhook.enabled) throw webhookDisabled(webhook);
      return reply.code(202).send(toDelivery(await webhooks.sendTest({ webhookId: webhook.id })));
    },
  );
};

const webhookDisabled = (webhook: Webhook) =>
  new ApiError(
    409,
    'webhook_disabled',
    `the webhook is disabled (${webhook.disabledReason ?? 'no reason recorded'}); POST /v1/webhooks/${webhook.id}/enable resumes it`,
  );
