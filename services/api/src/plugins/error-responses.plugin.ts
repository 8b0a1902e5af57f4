import { isRootwatchError, type RootwatchError } from '@rootwatch/core';
import { isDatabaseUnavailable } from '@rootwatch/db';
import type { FastifyError } from 'fastify';
import { sharedPlugin } from './shared-plugin';

/** Every error, and every unknown route, is answered `{ error: { code, message, details? } }`. */
export const errorResponsesPlugin = sharedPlugin({ name: 'rootwatch-error-responses' }, async (app) => {
  app.setErrorHandler((error: FastifyError | RootwatchError, request, reply) => {
    const { status, body } = errorBody(error);
    if (body.error.code === 'database_unavailable') {
      // Every request fails alike while Postgres is unreachable: a short line, not a stack per request.
      request.log.warn(
        { route: request.routeOptions.url, err: { message: error.message } },
        'database unavailable',
      );
      void reply.header('Retry-After', '5');
    } else if (status >= 500) {
      request.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    }
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: 'no such route' } }),
  );
});

function errorBody(error: FastifyError | RootwatchError): {
  status: number;
  body: { error: { code: string; message: string; details?: unknown } };
} {
  // Errors of our packages carry a stable code and a message written for clients; without a status (or with a
  // 5xx other than 503) they are internal and fall through to 500.
  if (
    isRootwatchError(error) &&
    error.statusCode !== undefined &&
    (error.statusCode < 500 || error.statusCode === 503)
  ) {
    return {
      status: error.statusCode,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      },
    };
  }
  const fastifyError = error as FastifyError & { validation?: { instancePath?: string; message?: string }[] };
  if (fastifyError.validation) {
    return {
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: `invalid ${fastifyError.validationContext ?? 'request'}`,
          details: fastifyError.validation.slice(0, 10).map((issue) => ({
            path: `${fastifyError.validationContext ?? ''}${issue.instancePath ?? ''}`,
            message: issue.message ?? 'invalid',
          })),
        },
      },
    };
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { status, body: { error: { code: 'bad_request', message: fastifyError.message } } };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      body: {
        error: { code: 'database_unavailable', message: 'the database is unreachable; retry shortly' },
      },
    };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'internal error' } } };
}
