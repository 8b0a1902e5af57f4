import { ERROR_CODES, RootwatchError } from '@rootwatch/core';

/** An error whose code, status and message are safe to show to API clients. */
export class ApiError extends RootwatchError {
  declare readonly statusCode: number;
  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super({ statusCode, code, message, details });
    this.name = 'ApiError';
  }
}

export const unauthorized = (message = 'a valid API key is required (Authorization: Bearer <key>)') =>
  new ApiError(401, 'unauthorized', message);
export const forbidden = (scope: string) =>
  new ApiError(403, 'forbidden', `this API key lacks the "${scope}" scope`);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const invalidCursor = () =>
  new ApiError(400, ERROR_CODES.invalidCursor, 'the cursor is not one this server issued for this list');
export const badRequest = (code: string, message: string, details?: unknown) =>
  new ApiError(400, code, message, details);
export const conflict = (code: string, message: string) => new ApiError(409, code, message);
export const rateLimited = (retryAfterSeconds: number) =>
  new ApiError(429, 'rate_limited', `too many requests; retry after ${retryAfterSeconds} s`);
export const tooManyUnauthenticated = (retryAfterSeconds: number) =>
  new ApiError(
    429,
    'rate_limited',
    `too many requests without a valid API key from this address; retry after ${retryAfterSeconds} s`,
  );
export const queueUnavailable = (message: string) => new ApiError(503, ERROR_CODES.queueUnavailable, message);
export const unavailable = (message: string) => new ApiError(503, 'unavailable', message);
