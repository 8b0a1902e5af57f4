import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from './database';
import { organizations } from './schema';

export type Organization = typeof organizations.$inferSelect;

export type UpsertOrganizationInput = {
  id: string;
  name?: string | null;
  managementAccountId?: string | null;
  /** Omit when the features could not be read: the last seen list is kept and features_known is left alone. */
  features?: string[];
  scpEnabled?: boolean | null;
  seenAt?: Date;
};

export function createOrganizationsRepository({ db }: { db: Db }) {
  return {
    async upsert({
      id,
      name,
      managementAccountId,
      features,
      scpEnabled,
      seenAt = new Date(),
    }: UpsertOrganizationInput) {
      const values = {
        id,
        name: name ?? null,
        managementAccountId: managementAccountId ?? null,
        features: features ?? [],
        featuresKnown: features !== undefined,
        scpEnabled: scpEnabled ?? null,
        firstSeenAt: seenAt,
        lastSeenAt: seenAt,
      };
      const [row] = await db
        .insert(organizations)
        .values(values)
        .onConflictDoUpdate({
          target: organizations.id,
          set: {
            lastSeenAt: sql`greatest(${organizations.lastSeenAt}, excluded.last_seen_at)`,
            ...(name !== undefined ? { name: values.name } : {}),
            ...(managementAccountId !== undefined ? { managementAccountId: values.managementAccountId } : {}),
            ...(features !== undefined ? { features: values.features, featuresKnown: true } : {}),
            ...(scpEnabled !== undefined ? { scpEnabled: values.scpEnabled } : {}),
          },
        })
        .returning();
      return row!;
    },

    async get({ id }: { id: string }): Promise<Organization | null> {
      const [row] = await db.select().from(organizations).where(eq(organizations.id, id));
      return row ?? null;
    },

    async list(): Promise<Organization[]> {
      return db.select().from(organizations).orderBy(asc(organizations.id));
    },
  };
}

export type OrganizationsRepository = ReturnType<typeof createOrganizationsRepository>;
