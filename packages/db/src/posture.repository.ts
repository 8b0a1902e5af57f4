import { ERROR_CODES, RootwatchError } from '@rootwatch/core';
import { and, asc, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor';
import type { Db } from './database';
import { accounts, postureVersions } from './schema';
import { inTransaction } from './transaction';

export type PostureVersion = typeof postureVersions.$inferSelect;

export type RecordObservationInput = {
  accountId: string;
  observedAt: Date;
  fingerprint: string;
  facts: Record<string, unknown>;
  results: Record<string, unknown>;
  scanRunId?: string | null;
};

export type RecordObservationResult =
  /** The account's first version. */
  | { outcome: 'created'; version: PostureVersion; previous: null }
  /** Same fingerprint as the current version: only its last_observed_at moved. */
  | { outcome: 'unchanged'; version: PostureVersion; previous: null }
  /** A new version superseded `previous`: diff the two for drift. */
  | { outcome: 'changed'; version: PostureVersion; previous: PostureVersion }
  /** Not newer than what the current version already saw: ignored, must not produce drift. */
  | { outcome: 'stale'; version: PostureVersion; previous: null };

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

/**
 * The type-2 rule for one observation against the account's current version: a first version, the same
 * posture seen again (later: `touched`, moves last_observed_at; not later: `unchanged`, nothing to write),
 * a new posture (`changed`), or a different posture no newer than the current one (`stale`, ignored).
 */
export function decideVersion(
  current: Pick<PostureVersion, 'fingerprint' | 'lastObservedAt'> | null | undefined,
  fingerprint: string,
  observedAt: Date,
): 'created' | 'touched' | 'unchanged' | 'changed' | 'stale' {
  if (!current) return 'created';
  const newer = observedAt.getTime() > current.lastObservedAt.getTime();
  if (current.fingerprint === fingerprint) return newer ? 'touched' : 'unchanged';
  return newer ? 'changed' : 'stale';
}

export function createPostureRepository({ db }: { db: Db }) {
  return {
    /** Type-2 history write for one observation; locks the account row so concurrent writers serialize. */
    async recordObservation(input: RecordObservationInput): Promise<RecordObservationResult> {
      return inTransaction(db, async (tx) => {
        const [account] = await tx
          .select({ id: accounts.id })
          .from(accounts)
          .where(eq(accounts.id, input.accountId))
          .for('update');
        if (!account) throw new AccountNotFoundError(input.accountId);

        // A statement of its own, after the lock: in READ COMMITTED it sees what a writer that held the
        // lock committed (a joined read in the locking statement would keep its older snapshot).
        const [current] = await tx
          .select()
          .from(postureVersions)
          .where(and(eq(postureVersions.accountId, input.accountId), isNull(postureVersions.supersededAt)));

        const insertVersion = async () => {
          const [version] = await tx
            .insert(postureVersions)
            .values({
              accountId: input.accountId,
              facts: input.facts,
              results: input.results,
              fingerprint: input.fingerprint,
              firstObservedAt: input.observedAt,
              lastObservedAt: input.observedAt,
              firstScanRunId: input.scanRunId ?? null,
            })
            .returning();
          await tx
            .update(accounts)
            .set({ currentPostureVersionId: version!.id })
            .where(eq(accounts.id, input.accountId));
          return version!;
        };

        const decision = decideVersion(current, input.fingerprint, input.observedAt);
        if (!current || decision === 'created') {
          return { outcome: 'created', version: await insertVersion(), previous: null };
        }
        if (decision === 'unchanged' || decision === 'stale') {
          return { outcome: decision, version: current, previous: null };
        }
        if (decision === 'touched') {
          const [version] = await tx
            .update(postureVersions)
            .set({ lastObservedAt: input.observedAt })
            .where(eq(postureVersions.id, current.id))
            .returning();
          return { outcome: 'unchanged', version: version!, previous: null };
        }
        const [previous] = await tx
          .update(postureVersions)
          .set({ supersededAt: input.observedAt })
          .where(eq(postureVersions.id, current.id))
          .returning();
        return { outcome: 'changed', version: await insertVersion(), previous: previous! };
      });
    },

    async current({ accountId }: { accountId: string }): Promise<PostureVersion | null> {
      const [row] = await db
        .select()
        .from(postureVersions)
        .where(and(eq(postureVersions.accountId, accountId), isNull(postureVersions.supersededAt)));
      return row ?? null;
    },

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
