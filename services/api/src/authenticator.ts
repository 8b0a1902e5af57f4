import { createApiKeysRepository, type Db } from '@rootwatch/db';
import { apiKeyMatches, parseApiKey } from './api-keys/api-keys';
import { unauthorized } from './errors';

export type Principal = { keyId: string; prefix: string; name: string; scopes: string[] };

export type AuthenticatorOptions = {
  db: Db;
  /**
   * How long a verified key is trusted without a database read. A revocation made by another process (the CLI)
   * takes effect within this time; one made through `forget` immediately.
   */
  cacheTtlMs?: number;
  /**
   * How long a prefix no active key has is answered 401 without a database read (default 10,000 ms), so a
   * storm of bad keys does not cost a query each. A key created with that prefix is usable after this time.
   */
  negativeCacheTtlMs?: number;
};

// Bounds the negative cache under a storm of distinct prefixes; past it, expired entries are swept.
const MAX_DENIED_PREFIXES = 50_000;

/** Resolves `Authorization: Bearer rw_…` to a principal; every failure is the same 401 so keys cannot be probed. */
export function createAuthenticator({
  db,
  cacheTtlMs = 5_000,
  negativeCacheTtlMs = 10_000,
}: AuthenticatorOptions) {
  const keys = createApiKeysRepository({ db });
  const cache = new Map<string, { principal: Principal; hash: string; until: number }>();
  const denied = new Map<string, number>();
  const deny = (prefix: string, now: number) => {
    if (denied.size >= MAX_DENIED_PREFIXES) {
      for (const [p, until] of denied) if (until <= now) denied.delete(p);
      if (denied.size >= MAX_DENIED_PREFIXES) denied.clear();
    }
    denied.set(prefix, now + negativeCacheTtlMs);
  };
  const lastTouched = new Map<string, number>();

  return {
    async authenticate(header: string | undefined, now = Date.now()): Promise<Principal> {
      const match = header === undefined ? null : /^Bearer ([^\s]{1,200})$/i.exec(header);
      const key = match?.[1];
      const parsed = key === undefined ? null : parseApiKey(key);
      if (!key || !parsed) throw unauthorized();

      const cached = cache.get(parsed.prefix);
      let principal: Principal;
      if (cached && cached.until > now) {
        if (!apiKeyMatches(key, cached.hash)) throw unauthorized();
        principal = cached.principal;
      } else {
        if ((denied.get(parsed.prefix) ?? 0) > now) throw unauthorized();
        const row = await keys.findByPrefix({ prefix: parsed.prefix });
        if (!row || row.revokedAt !== null) {
          cache.delete(parsed.prefix);
          deny(parsed.prefix, now);
          throw unauthorized();
        }
        principal = { keyId: row.id, prefix: row.prefix, name: row.name, scopes: row.scopes };
        // Cached even when the secret does not match: guessing secrets of a real prefix costs no query either.
        cache.set(parsed.prefix, { principal, hash: row.hash, until: now + cacheTtlMs });
        if (!apiKeyMatches(key, row.hash)) throw unauthorized();
      }
      // last_used_at is advisory; the repository writes it at most once a minute, and so do we.
      if ((lastTouched.get(principal.keyId) ?? 0) + 60_000 < now) {
        lastTouched.set(principal.keyId, now);
        await keys.touch({ id: principal.keyId, at: new Date(now) });
      }
      return principal;
    },

    /** Drops a key from the cache (after a revocation in this process). */
    forget(prefix?: string) {
      if (prefix === undefined) {
        cache.clear();
        denied.clear();
      } else {
        cache.delete(prefix);
        denied.delete(prefix);
      }
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
