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
};

/** Resolves `Authorization: Bearer rw_…` to a principal; every failure is the same 401 so keys cannot be probed. */
export function createAuthenticator({ db, cacheTtlMs = 5_000 }: AuthenticatorOptions) {
  const keys = createApiKeysRepository({ db });
  const cache = new Map<string, { principal: Principal; hash: string; until: number }>();
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
        const row = await keys.findByPrefix({ prefix: parsed.prefix });
        if (!row || !apiKeyMatches(key, row.hash) || row.revokedAt !== null) {
          cache.delete(parsed.prefix);
          throw unauthorized();
        }
        principal = { keyId: row.id, prefix: row.prefix, name: row.name, scopes: row.scopes };
        cache.set(parsed.prefix, { principal, hash: row.hash, until: now + cacheTtlMs });
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
      if (prefix === undefined) cache.clear();
      else cache.delete(prefix);
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
