import { and, asc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from './database';
import { type ApiKeyScope, apiKeys } from './schema';
import { isUuid } from './sql-helpers';

export type ApiKey = typeof apiKeys.$inferSelect;

// last_used_at is advisory: writing it at most once a minute keeps reads from turning into row updates.
const touchIntervalMs = 60_000;

export function createApiKeysRepository({ db }: { db: Db }) {
  return {
    /** Stores a key given its public prefix and sha-256 hash; the key itself never reaches the database. */
    async create({
      name,
      prefix,
      hash,
      scopes,
      owner = null,
      createdAt = new Date(),
    }: {
      name: string;
      prefix: string;
      hash: string;
      scopes: ApiKeyScope[];
      owner?: string | null;
      createdAt?: Date;
    }): Promise<ApiKey> {
      const [row] = await db
        .insert(apiKeys)
        .values({ name, prefix, hash, scopes, owner, createdAt })
        .returning();
      return row!;
    },

    /** The key with this prefix, revoked or not (the caller checks revokedAt and compares the hash). */
    async findByPrefix({ prefix }: { prefix: string }): Promise<ApiKey | null> {
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
      return row ?? null;
    },

    async touch({ id, at = new Date() }: { id: string; at?: Date }): Promise<void> {
      await db
        .update(apiKeys)
        .set({ lastUsedAt: at })
        .where(
          and(
            eq(apiKeys.id, id),
            or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(at.getTime() - touchIntervalMs))),
          ),
        );
    },

    /** Revokes by id or prefix; returns the key, or null if there is no such active key. */
    async revoke({
      id,
      prefix,
      at = new Date(),
    }: {
      id?: string;
      prefix?: string;
      at?: Date;
    }): Promise<ApiKey | null> {
      if (id === undefined && prefix === undefined) return null;
      if (id !== undefined && !isUuid(id)) return null;
      const [row] = await db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(
          and(
            id !== undefined ? eq(apiKeys.id, id) : undefined,
            prefix !== undefined ? eq(apiKeys.prefix, prefix) : undefined,
            isNull(apiKeys.revokedAt),
          ),
        )
        .returning();
      return row ?? null;
    },

    async list({ includeRevoked = true }: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
      return db
        .select()
        .from(apiKeys)
        .where(includeRevoked ? undefined : isNull(apiKeys.revokedAt))
        .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;
