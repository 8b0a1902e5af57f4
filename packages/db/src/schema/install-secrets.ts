import { customType, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/**
 * Secrets generated once per installation and shared by every replica (e.g. the key that
 * signs API feed cursors), so they survive restarts without any configuration.
 */
export const installSecrets = pgTable('install_secrets', {
  name: text('name').primaryKey(),
  value: bytea('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
