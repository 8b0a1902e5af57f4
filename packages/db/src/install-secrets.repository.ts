import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from './database';
import { installSecrets } from './schema';

export function createInstallSecretsRepository({ db }: { db: Db }) {
  return {
    /** The named secret, created at random by whichever replica asks first; every later call returns the same bytes. */
    async getOrCreate({ name, bytes = 32 }: { name: string; bytes?: number }): Promise<Buffer> {
      await db
        .insert(installSecrets)
        .values({ name, value: randomBytes(bytes) })
        .onConflictDoNothing();
      const [row] = await db.select().from(installSecrets).where(eq(installSecrets.name, name));
      if (!row) throw new Error(`install secret ${name} vanished`);
      return Buffer.from(row.value);
    },
  };
}
