import { customType } from 'drizzle-orm/pg-core';

/**
 * A jsonb column that takes the driver's value as is. node-postgres and PGlite already JSON.parse jsonb, and
 * drizzle's own jsonb parses again every value that is still a string: a stored JSON string ("PASS") makes
 * JSON.parse throw (caught, ~10 µs each: 1,000 per 500-event feed page was most of that route's CPU), and a
 * stored string that looks like JSON ("42", "true", "{…}") came back as another type.
 */
export const jsonb = customType<{ data: unknown; driverData: unknown }>({
  dataType: () => 'jsonb',
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (value) => value,
});
