import { describe, expect, it } from 'vitest';
import { createError, ERROR_CODES, isRootwatchError, RootwatchError } from '../src/errors';

describe('the error factory', () => {
  it('builds an Error with a stable code, an optional status, details and cause', () => {
    const cause = new Error('socket closed');
    const error = createError({
      code: ERROR_CODES.queueUnavailable,
      message: 'no queue',
      statusCode: 503,
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'queue_unavailable', statusCode: 503, message: 'no queue', cause });
    expect(error.details).toBeUndefined();
  });

  it('recognises its errors, subclasses included, by code when asked; nothing else', () => {
    class ScanAlreadyActive extends RootwatchError {
      constructor() {
        super({ code: ERROR_CODES.scanAlreadyActive, message: 'busy', statusCode: 409 });
      }
    }
    expect(isRootwatchError(new ScanAlreadyActive(), ERROR_CODES.scanAlreadyActive)).toBe(true);
    expect(isRootwatchError(new ScanAlreadyActive(), ERROR_CODES.invalidCursor)).toBe(false);
    expect(isRootwatchError(new ScanAlreadyActive())).toBe(true);
    // A plain error with the same code is not one of ours (Fastify's, a driver's).
    expect(isRootwatchError(Object.assign(new Error('x'), { code: 'scan_already_active' }))).toBe(false);
    expect(isRootwatchError(null)).toBe(false);
    expect(isRootwatchError('scan_already_active')).toBe(false);
  });
});
