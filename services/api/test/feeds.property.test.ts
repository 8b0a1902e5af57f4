import { createRepositories } from '@rootwatch/db';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCursorCodec } from '../src/index';
import { createScanEnvironment, get, type ScanEnvironment } from './harness';

let env: ScanEnvironment;
let key: string;
let flippable: string[];
const mfaOf = new Map<string, 'none' | 'hardware'>();
const codec = createCursorCodec({ secret: 'test-cursor-secret' });

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies.
type Json = any;

beforeAll(async () => {
  env = await createScanEnvironment({ accounts: 16, seed: 23 });
  key = (await env.keys.createApiKey({ name: 'poller', scopes: ['read'] })).key;
  await env.scan();
  const management = env.sim.definition().organization.managementAccountId;
  flippable = env.sim
    .definition()
    .accounts.filter((a) => a.id !== management && a.state === 'ACTIVE' && a.auditRole !== false && !a.faults)
    .filter((a) => a.root.password === true)
    .map((a) => a.id);
  expect(flippable.length).toBeGreaterThan(1);
  for (const id of flippable) mfaOf.set(id, 'hardware');
  for (const id of flippable) await env.patchAccount(id, { root: { mfa: 'hardware' } });
  await env.scan();
}, 180_000);

afterAll(async () => {
  await env?.close();
});

/** A poller: reads one page after its stored cursor and keeps the new cursor. */
function poller(path: string, param: 'after' | 'updated_after', start: string | null) {
  let cursor = start;
  const received: Json[] = [];
  return {
    received,
    get cursor() {
      return cursor;
    },
    async poll(limit: number): Promise<boolean> {
      const url = `${path}?limit=${limit}${cursor ? `&${param}=${cursor}` : ''}`;
      const page = await get(env.app, url, key);
      expect(page.status).toBe(200);
      received.push(...page.json.items);
      if (page.json.next_cursor !== null) cursor = page.json.next_cursor;
      return page.json.has_more;
    },
  };
}

async function endCursor(path: string, param: 'after' | 'updated_after'): Promise<string | null> {
  const p = poller(path, param, null);
  while (await p.poll(1000)) {}
  return p.cursor;
}

test('drift and findings pollers with random page sizes, while scans add events, get each event once and in order', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 3, maxLength: 25 }),
      fc.uniqueArray(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 4 }),
      fc.nat({ max: 2 }),
      async (sizes, picks, scanAtPage) => {
        const driftStart = await endCursor('/v1/drift-events', 'after');
        const findingsStart = await endCursor('/v1/findings', 'updated_after');
        const drift = poller('/v1/drift-events', 'after', driftStart);
        const findings = poller('/v1/findings', 'updated_after', findingsStart);

        // Distinct accounts: flipping one account twice before the scan would cancel out and add no event.
        const ids = [...new Set(picks.map((pick) => flippable[pick % flippable.length]!))];
        for (const id of ids) {
          const next = mfaOf.get(id) === 'hardware' ? 'none' : 'hardware';
          mfaOf.set(id, next);
          await env.patchAccount(id, { root: { mfa: next } });
        }

        let scanning: Promise<unknown> | undefined;
        for (const [index, size] of sizes.entries()) {
          if (index === scanAtPage) scanning = env.scan();
          await drift.poll(size);
          await findings.poll(size);
        }
        await scanning;
        let i = 0;
        while (await drift.poll(sizes[i++ % sizes.length]!)) {}
        i = 0;
        while (await findings.poll(sizes[i++ % sizes.length]!)) {}

        // The truth, read once everything is committed, straight from the repositories.
        const repos = createRepositories({ db: env.testDb.database.db });
        const truthDrift = (
          await repos.driftEvents.feed({
            after: driftStart ? codec.decode('drift-events', driftStart) : '0',
            limit: 1000,
          })
        ).items.map((e) => e.id);
        const gotDrift = drift.received.map((e) => e.id);
        expect(truthDrift.length).toBeGreaterThan(0);
        expect(gotDrift).toEqual(truthDrift);

        const truthFindings = (
          await repos.findings.feed({
            after: findingsStart ? codec.decode('findings', findingsStart) : '0',
            limit: 1000,
          })
        ).items.map((f) => `${f.id}@${f.updateSeq}`);
        const gotSeqs = findings.received.map((f) => f.update_seq);
        expect(gotSeqs).toEqual([...new Set(gotSeqs)].sort((a, b) => a - b));
        const got = findings.received.map((f) => `${f.id}@${f.update_seq}`);
        // Every change still current at the end was delivered; anything else delivered was later superseded.
        for (const change of truthFindings) expect(got).toContain(change);
        for (const [index, f] of findings.received.entries()) {
          if (!truthFindings.includes(`${f.id}@${f.update_seq}`)) {
            expect(findings.received.slice(index + 1).some((later) => later.id === f.id)).toBe(true);
          }
        }
      },
    ),
    { numRuns: 4, endOnFailure: true },
  );
}, 400_000);
