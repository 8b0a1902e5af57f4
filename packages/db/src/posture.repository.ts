import { ERROR_CODES, RootwatchError } from '@rootwatch/core';
import { and, asc, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor';
import type { Db } from './database';
import { postureVersions } from './schema';

export type PostureVersion = typeof postureVersions.$inferSelect;

export class AccountNotFoundError extends RootwatchError {
  constructor(readonly accountId: string) {
    super({
      code: ERROR_CODES.accountNotFound,
      statusCode: 404,
      message: `account ${accountId} is not known`,
    });
    this.name = 'AccountNotFoundError';
  }
}

export function createPostureRepository({ db }: { db: Db }) {
  return {
    async get({ id }: { id: number }): Promise<PostureVersion | null> {
      const [row] = await db.select().from(postureVersions).where(eq(postureVersions.id, id));
      return row ?? null;
    },

    /** The version valid at `at` ([first_observed_at, superseded_at)); null before the first observation. */
    async at({ accountId, at }: { accountId: string; at: Date }): Promise<PostureVersion | null> {
      const [row] = await db
        .select()
        .from(postureVersions)
        .where(
          and(
            eq(postureVersions.accountId, accountId),
            lte(postureVersions.firstObservedAt, at),
            or(isNull(postureVersions.supersededAt), gt(postureVersions.supersededAt, at)),
          ),
        )
        .orderBy(sql`${postureVersions.firstObservedAt} DESC`)
        .limit(1);
      return row ?? null;
    },

    /** Versions whose validity window overlaps [from, to], oldest first. */
    async history({
      accountId,
      from,
      to,
      limit: requested,
      cursor,
    }: {
      accountId: string;
      from?: Date;
      to?: Date;
      limit?: number;
      cursor?: string;
    }): Promise<Page<PostureVersion>> {
      const limit = clampLimit(requested);
      // Ids grow with first_observed_at within an account (an older observation never inserts), so id is the key.
      const afterId = cursor === undefined ? undefined : Number(decodeCursor('posture-history', cursor)[0]);
      const rows = await db
        .select()
        .from(postureVersions)
        .where(
          and(
            eq(postureVersions.accountId, accountId),
            to === undefined ? undefined : lte(postureVersions.firstObservedAt, to),
            from === undefined
              ? undefined
              : or(isNull(postureVersions.supersededAt), gt(postureVersions.supersededAt, from)),
            afterId === undefined ? undefined : gt(postureVersions.id, afterId),
          ),
        )
        .orderBy(asc(postureVersions.id))
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor('posture-history', [last.id]) : null,
      };
    },
  };
}

export type PostureRepository = ReturnType<typeof createPostureRepository>;
