import { describe, expect, test } from 'vitest';
import { createCursorCodec } from './cursor-codec';

describe('cursor codec', () => {
  const codec = createCursorCodec({ secret: 'k1' });

  test('round-trips the inner cursor of its list', () => {
    expect(codec.decode('drift-events', codec.encode('drift-events', '12345'))).toBe('12345');
  });

  test('when the list, the secret, the payload or the MAC differ, it refuses with invalid_cursor', () => {
    const cursor = codec.encode('findings', '10');
    const other = createCursorCodec({ secret: 'k2' });
    const [payload, mac] = cursor.split('.') as [string, string];
    const forged = `${Buffer.from('999').toString('base64url')}.${mac}`;
    for (const attempt of [
      () => codec.decode('drift-events', cursor),
      () => other.decode('findings', cursor),
      () => codec.decode('findings', forged),
      () => codec.decode('findings', `${payload}.${mac.slice(0, -2)}`),
      () => codec.decode('findings', payload),
      () => codec.decode('findings', 'x'.repeat(2000)),
    ]) {
      expect(attempt).toThrow(expect.objectContaining({ code: 'invalid_cursor', statusCode: 400 }));
    }
  });
});
