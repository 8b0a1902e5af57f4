import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstallSecretsRepository } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

describe.each(['pg', 'pglite'] as const)('install secrets on %s', (driver) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase({ driver });
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('when several replicas ask at once, they all get the same random secret, and it stays', async () => {
    const secrets = createInstallSecretsRepository({ db: test.database.db });
    const first = await Promise.all(Array.from({ length: 5 }, () => secrets.getOrCreate({ name: 'cursor' })));
    expect(first[0]).toHaveLength(32);
    for (const s of first) expect(s.equals(first[0]!)).toBe(true);
    expect((await secrets.getOrCreate({ name: 'cursor' })).equals(first[0]!)).toBe(true);
    expect((await secrets.getOrCreate({ name: 'other' })).equals(first[0]!)).toBe(false);
  });
});
