import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { type ApiKeyScope, apiKeyScopes, sqlList } from './values';

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    // The public part of the key, used to find the row before comparing hashes.
    prefix: text('prefix').notNull(),
    // sha-256 hex of the whole key; the key itself is never stored.
    hash: text('hash').notNull(),
    scopes: text('scopes').array().$type<ApiKeyScope[]>().notNull(),
    // Free label of who holds the key (a team, a person); the key's name is what findings record as `by`.
    owner: text('owner'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    check('api_keys_hash_format', sql.raw(`hash ~ '^[0-9a-f]{64}$'`)),
    check(
      'api_keys_scopes_values',
      sql.raw(`cardinality(scopes) > 0 AND scopes <@ ARRAY[${sqlList(apiKeyScopes)}]::text[]`),
    ),
    // Every authenticated request looks its key up by prefix.
    uniqueIndex('api_keys_prefix_idx').on(t.prefix),
  ],
);
