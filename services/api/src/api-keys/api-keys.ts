import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_SCOPES, type ApiKeyScope } from '@rootwatch/core';

export { API_KEY_SCOPES, type ApiKeyScope };

const KEY_FORMAT = /^rw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export type GeneratedKey = { key: string; prefix: string; hash: string };

/** A new key `rw_<12 hex prefix>_<43 base64url chars = 256 random bits>`; only prefix and hash are stored. */
export function generateApiKey(): GeneratedKey {
  const prefix = randomBytes(6).toString('hex');
  const key = `rw_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The prefix of a well-formed key, or null: anything else is rejected before touching the database. */
export function parseApiKey(key: string): { prefix: string } | null {
  const match = KEY_FORMAT.exec(key);
  return match ? { prefix: match[1]! } : null;
}

/** Compares the presented key's hash with the stored one in constant time. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** `admin` implies every scope. */
export function hasScope(granted: readonly string[], required: ApiKeyScope): boolean {
  return granted.includes('admin') || granted.includes(required);
}

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}
