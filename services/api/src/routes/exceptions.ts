import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_EXCEPTION_DAYS, MAX_EXCEPTION_REASON } from '@rootwatch/core';
import type { Db, Repositories } from '@rootwatch/db';
import { Type } from 'typebox';
import type { CursorCodec } from '../cursor-codec';
import { badRequest, conflict, notFound } from '../errors';
import { createExceptionsUsecases, ExceptionInputError } from '../exceptions/exceptions.usecases';
import { innerCursor } from '../pagination';
import { Cursor, ErrorResponse, errorResponses, Limit, ListOf } from '../schemas/common';
import { ExceptionSchema, ExceptionScopeSchema, toException } from '../schemas/resources';

const LIST = 'exceptions';

const ExceptionId = Type.Object({ id: Type.String({ format: 'uuid' }) });

const ExceptionDetail = Type.Object({
  ...ExceptionSchema.properties,
  finding_ids: Type.Array(Type.Integer(), { description: 'Open findings it suppresses now (at most 1,000)' }),
});

/** What the exception routes read and write. */
export type ExceptionRouteDeps = {
  repos: Pick<Repositories, 'exceptions'>;
  cursors: CursorCodec;
  /** The pool: exceptions are granted and revoked in transactions. */
  db: Db;
};

export const exceptionRoutes: FastifyPluginAsyncTypebox<ExceptionRouteDeps> = async (
  app,
  { repos, cursors, db },
) => {
  const usecases = createExceptionsUsecases({ db });

  app.post(
    '/exceptions',
    {
      config: { auth: 'exceptions:write' },
      schema: {
        tags: ['exceptions'],
        summary: 'Accept a risk: suppress the matching findings until the exception expires or is revoked',
        description:
          'Every matching open finding becomes `suppressed` (one change each in the findings feed); findings ' +
          'that open later under it are born suppressed. Control results stay FAIL.',
        body: Type.Object(
          {
            control_id: Type.String({ maxLength: 64, description: "A control id, or '*' for every control" }),
            scope: ExceptionScopeSchema,
            reason: Type.String({ maxLength: MAX_EXCEPTION_REASON, description: 'Required' }),
            expires_at: Type.String({
              format: 'date-time',
              description: `In the future, at most ${MAX_EXCEPTION_DAYS} days ahead`,
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            ...ExceptionSchema.properties,
            suppressed: Type.Integer({ description: 'Findings suppressed by this request' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      try {
        const { exception, suppressed } = await usecases.create({
          request: request.body,
          by: request.principal!.name,
        });
        return reply
          .code(201)
          .send({ ...toException({ ...exception, coveredFindings: suppressed }), suppressed });
      } catch (error) {
        if (error instanceof ExceptionInputError) {
          throw badRequest('invalid_request', error.message, [
            { path: `body/${error.field.replaceAll('.', '/')}`, message: error.problem },
          ]);
        }
        throw error;
      }
    },
  );

  app.get(
    '/exceptions',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['exceptions'],
        summary: 'Exceptions, newest first: live and past (revoked or expired), with the findings they cover',
        querystring: Type.Object(
          {
            state: Type.Optional(Type.Enum(['live', 'ended', 'all'], { default: 'all' })),
            cursor: Type.Optional(Cursor),
            limit: Type.Optional(Limit),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(ExceptionSchema), ...errorResponses },
      },
    },
    async (request) => {
      const page = await repos.exceptions.list({
        state: request.query.state as 'live' | 'ended' | 'all' | undefined,
        limit: request.query.limit ?? 100,
        cursor: innerCursor(cursors, LIST, request.query.cursor),
      });
      return {
        items: page.items.map((e) => toException(e)),
        next_cursor: page.nextCursor === null ? null : cursors.encode(LIST, page.nextCursor),
      };
    },
  );

  app.get(
    '/exceptions/:id',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['exceptions'],
        summary: 'One exception and the open findings it suppresses',
        params: ExceptionId,
        response: { 200: ExceptionDetail, 404: ErrorResponse, ...errorResponses },
      },
    },
    async (request) => {
      const exception = await repos.exceptions.get({ id: request.params.id });
      if (!exception) throw notFound('exception');
      const findingIds = await repos.exceptions.coveredFindingIds({ id: exception.id });
      return { ...toException(exception), finding_ids: findingIds };
    },
  );

  app.delete(
    '/exceptions/:id',
    {
      config: { auth: 'exceptions:write' },
      schema: {
        tags: ['exceptions'],
        summary: 'Revoke an exception: its findings return to `new` (kept, with revoked_at and revoked_by)',
        params: ExceptionId,
        response: {
          200: Type.Object({
            ...ExceptionSchema.properties,
            released: Type.Integer({ description: 'Findings no longer suppressed by it' }),
          }),
          404: ErrorResponse,
          409: ErrorResponse,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const revoked = await repos.exceptions.revoke({ id: request.params.id, by: request.principal!.name });
      if (!revoked) {
        const existing = await repos.exceptions.get({ id: request.params.id });
        if (!existing) throw notFound('exception');
        throw conflict(
          'exception_ended',
          `the exception already ended (${existing.revokedAt ? 'revoked' : 'expired'})`,
        );
      }
      return { ...toException({ ...revoked.exception, coveredFindings: 0 }), released: revoked.released };
    },
  );
};
