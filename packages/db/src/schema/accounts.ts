import { sql } from 'drizzle-orm';
import { type AnyPgColumn, bigint, check, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb';
import { organizations } from './organizations';
import { postureVersions } from './posture-versions';
import {
  type AccountState,
  accountIdPattern,
  accountStates,
  type ScanOutcome,
  scanOutcomes,
  sqlList,
} from './values';

export type OuPathEntry = { id: string; name: string };

export const accounts = pgTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    email: text('email').notNull(),
    state: text('state').$type<AccountState>().notNull(),
    // Root first: [{ id: 'r-ab12', name: 'Root' }, { id: 'ou-ab12-…', name: 'Prod' }].
    ouPath: jsonb('ou_path').$type<OuPathEntry[]>().notNull().default([]),
    // '/r-ab12/ou-ab12-1/ou-ab12-2/' — ids with a trailing slash so a prefix never matches a sibling ou-…10.
    ouPathText: text('ou_path_text').notNull().default('/'),
    tags: jsonb('tags').$type<Record<string, string>>().notNull().default({}),
    joinedAt: timestamp('joined_at', { withTimezone: true }),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
    currentPostureVersionId: bigint('current_posture_version_id', { mode: 'number' }).references(
      (): AnyPgColumn => postureVersions.id,
      { onDelete: 'set null' },
    ),
    // Time of the last observation that produced a posture (outcome 'assessed').
    lastAssessedAt: timestamp('last_assessed_at', { withTimezone: true }),
    lastOutcome: text('last_outcome').$type<ScanOutcome>(),
    lastOutcomeAt: timestamp('last_outcome_at', { withTimezone: true }),
  },
  (t) => [
    check('accounts_id_format', sql.raw(`id ~ '${accountIdPattern}'`)),
    check('accounts_state_values', sql.raw(`state IN (${sqlList(accountStates)})`)),
    check(
      'accounts_last_outcome_values',
      sql.raw(`last_outcome IS NULL OR last_outcome IN (${sqlList(scanOutcomes)})`),
    ),
    // GET /v1/accounts?org= and discovery's "accounts of this org not seen any more", keyset on id.
    index('accounts_org_id_idx').on(t.orgId, t.id),
    // ?sort=name keyset pagination: (name, id) order.
    index('accounts_name_id_idx').on(t.name, t.id),
    // ?ou=/r-…/ou-…/ path-prefix filter: LIKE 'prefix%' needs text_pattern_ops to use a btree.
    index('accounts_ou_path_text_idx').on(t.ouPathText.op('text_pattern_ops')),
    // ?ou=ou-… (an OU anywhere in the path): ou_path @> '[{"id":"ou-…"}]'.
    index('accounts_ou_path_gin_idx').using('gin', t.ouPath.op('jsonb_path_ops')),
    // ?tag=key:value: tags @> '{"key":"value"}'.
    index('accounts_tags_gin_idx').using('gin', t.tags.op('jsonb_path_ops')),
  ],
);
