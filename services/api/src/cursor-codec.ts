import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidCursor } from './errors';

// 128 bits of MAC is plenty to make a forged cursor improbable; it keeps cursors short in URLs.
const MAC_BYTES = 16;
const MAX_CURSOR_LENGTH = 1024;

/**
 * Opaque, tamper-evident cursors: base64url(inner) "." base64url(HMAC(secret, list, inner)). `inner` is the
 * repository's own keyset cursor; binding the list name means a findings cursor is rejected on the drift feed.
 */
export function createCursorCodec({ secret }: { secret: string | Buffer }) {
  const key = createHmac('sha256', 'rootwatch-api-cursor-v1').update(secret).digest();
  const mac = (list: string, inner: string) =>
    createHmac('sha256', key).update(`${list}\n${inner}`).digest().subarray(0, MAC_BYTES);
  return {
    encode(list: string, inner: string): string {
      return `${Buffer.from(inner, 'utf8').toString('base64url')}.${mac(list, inner).toString('base64url')}`;
    },
    /** The inner cursor, or an `invalid_cursor` error for anything this server did not issue for `list`. */
    decode(list: string, cursor: string): string {
      if (cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor();
      const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(cursor);
      if (!match) throw invalidCursor();
      const inner = Buffer.from(match[1]!, 'base64url').toString('utf8');
      const given = Buffer.from(match[2]!, 'base64url');
      const expected = mac(list, inner);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor();
      return inner;
    },
  };
}

export type CursorCodec = ReturnType<typeof createCursorCodec>;
