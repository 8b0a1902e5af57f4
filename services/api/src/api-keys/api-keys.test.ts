import { expect, test } from 'vitest';
import { apiKeyMatches, generateApiKey, hashApiKey, hasScope, parseApiKey } from './api-keys';

test('generated keys are random, parse back to their prefix and match only their own hash', () => {
  const a = generateApiKey();
  const b = generateApiKey();
  expect(a.key).not.toBe(b.key);
  expect(a.key).toMatch(/^rw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  expect(parseApiKey(a.key)).toEqual({ prefix: a.prefix });
  expect(a.hash).toBe(hashApiKey(a.key));
  expect(a.hash).not.toContain(a.key.slice(16));
  expect(apiKeyMatches(a.key, a.hash)).toBe(true);
  expect(apiKeyMatches(b.key, a.hash)).toBe(false);
  expect(apiKeyMatches(a.key, 'short')).toBe(false);
});

test.each([
  '',
  'rw_',
  'rw_XYZ_abc',
  `rw_0123456789ab_${'a'.repeat(42)}`,
  `xx_0123456789ab_${'a'.repeat(43)}`,
])('parseApiKey(%j) is null', (key) => expect(parseApiKey(key)).toBeNull());

test('admin implies every scope; other scopes imply only themselves', () => {
  expect(hasScope(['admin'], 'scans:write')).toBe(true);
  expect(hasScope(['admin'], 'read')).toBe(true);
  expect(hasScope(['read'], 'scans:write')).toBe(false);
  expect(hasScope(['scans:write'], 'read')).toBe(false);
  expect(hasScope(['read', 'scans:write'], 'scans:write')).toBe(true);
});
