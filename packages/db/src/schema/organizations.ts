import { sql } from 'drizzle-orm';
import { boolean, check, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb';
import { accountIdPattern } from './values';

export const organizations = pgTable(
  'organizations',
  {
    // `o-…` from Organizations, or a configured label when the org id is not known yet.
    id: text('id').primaryKey(),
    name: text('name'),
    managementAccountId: text('management_account_id'),
    // Root-access features last seen (`RootCredentialsManagement`, `RootSessions`).
    features: jsonb('features').$type<string[]>().notNull().default([]),
    // False until iam:ListOrganizationsFeatures answered: an unread feature list is not an empty one.
    featuresKnown: boolean('features_known').notNull().default(false),
    // Null = unknown (could not read the org's policy types).
    scpEnabled: boolean('scp_enabled'),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  () => [
    check(
      'organizations_management_account_id_format',
      sql.raw(`management_account_id IS NULL OR management_account_id ~ '${accountIdPattern}'`),
    ),
  ],
);
