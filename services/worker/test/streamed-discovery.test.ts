import { AwsAccessError, classifyAwsError } from '@rootwatch/aws';
import type { OrgDefinition, RunningSimulator } from '@rootwatch/aws-sim';
import { scanRunDone } from '@rootwatch/core';
import { createRepositories, type Db, schema } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { createInlineDispatcher, createScanProducer } from '@rootwatch/queue';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsScanSource, createScanHandlers } from '../src/index';
import type { DiscoveryStream, ScanSource } from '../src/scan-source';
import {
  generatedDefinition,
  ORG_ID,
  orgConfig,
  silentLogger,
  startSim,
  testConfig,
  waitForRun,
} from './support/harness';
import { FAST_RETRY } from './support/inline';

/** What a test does with each page discovery hands out, after the run's start job took it. */
type PageHook = (
  page: Parameters<DiscoveryStream['accounts']>[0],
  index: number,
  assessed: ReadonlySet<string>,
) => Promise<void>;

/** Polls `check` until true; throws after `timeoutMs` (a condition that never comes fails the test). */
async function until(check: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('account jobs start while discovery walks the organization (issue 14)', () => {
  let testDb: TestDatabase;
  let db: Db;
  let sim: RunningSimulator;
  let definition: OrgDefinition;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    // Several OUs, and more accounts than one ListAccountsForParent page.
    definition = generatedDefinition(60, 14);
    sim = await startSim(definition);
  });
  afterAll(async () => {
    await sim?.stop();
    await testDb?.drop();
  });

  /** The inline wiring of inline.ts, with the source observed: pages handed out, accounts assessed. */
  async function scanWith(onPage: PageHook = async () => {}) {
    const config = testConfig(sim, [orgConfig(definition)]);
    const aws = createAwsScanSource({ config, logger: silentLogger, credentials: sim.credentials });
    const assessed = new Set<string>();
    let discovering = 0;
    let assessedMidWalk = 0;
    let discoveryEndedAt = 0;
    const source: ScanSource = {
      ...aws,
      async discover(input) {
        let pages = 0;
        const stream = input.stream;
        discovering++;
        try {
          return await aws.discover({
            ...input,
            ...(stream
              ? {
                  stream: {
                    organization: (org) => stream.organization(org),
                    accounts: async (page) => {
                      await stream.accounts(page);
                      await onPage(page, pages++, assessed);
                    },
                  },
                }
              : {}),
          });
        } finally {
          discovering--;
          discoveryEndedAt = Date.now();
        }
      },
      assess(input) {
        assessed.add(input.account.id);
        if (discovering > 0) assessedMidWalk++;
        return aws.assess(input);
      },
    };
    const handlers = createScanHandlers({ db, source, config, logger: silentLogger });
    const dispatcher = createInlineDispatcher({ handlers, concurrency: 8, retry: FAST_RETRY });
    const producer = createScanProducer({ db, dispatcher });
    try {
      const queued = await producer.startScan({ orgId: ORG_ID, trigger: 'cli' });
      await dispatcher.idle();
      const run = await waitForRun(db, queued.id, 5_000);
      return { run, assessed, assessedMidWalk, discoveryEndedAt, failures: dispatcher.failures() };
    } finally {
      await dispatcher.close();
      aws.destroy();
    }
  }

  const drift = (runId: string, kind: 'account_added' | 'account_removed') =>
    db
      .select()
      .from(schema.driftEvents)
      .where(and(eq(schema.driftEvents.scanRunId, runId), eq(schema.driftEvents.kind, kind)));

  it("runs the first page's account jobs before the walk ends, and ends the run only after every account", async () => {
    const repos = createRepositories({ db });
    const active = new Set(definition.accounts.filter((a) => a.state === 'ACTIVE').map((a) => a.id));
    let gated = false;
    let midWalk: Awaited<ReturnType<typeof repos.scanRuns.list>>['items'][number] | null = null;
    const scanned = await scanWith(async (page, _index, assessed) => {
      const ids = page.filter((a) => active.has(a.id)).map((a) => a.id);
      if (gated || ids.length === 0) return;
      gated = true;
      // The walk waits here: were jobs dispatched only at its end, none of this page would ever be assessed.
      await until(() => ids.some((id) => assessed.has(id)), 'an account job of the first page');
      midWalk = (await repos.scanRuns.list({ orgId: ORG_ID, limit: 1 })).items[0] ?? null;
    });
    const { run, failures, assessedMidWalk } = scanned;
    expect(failures).toEqual([]);
    expect(gated).toBe(true);
    expect(assessedMidWalk).toBeGreaterThan(0);
    // Mid-walk the run was running, its total short of the organization (one unit held for the walk).
    expect(midWalk).toMatchObject({ status: 'running' });
    expect(midWalk!.total).toBeLessThanOrEqual(definition.accounts.length);
    expect(run.total).toBe(definition.accounts.length);
    expect(scanRunDone(run)).toBe(run.total);
    expect(run.summary).toMatchObject({ outcomes: expect.any(Object) });
    expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(scanned.discoveryEndedAt - 1_000);
    const recorded = await db
      .select({ id: schema.accountScans.accountId })
      .from(schema.accountScans)
      .where(eq(schema.accountScans.scanRunId, run.id));
    expect(new Set(recorded.map((r) => r.id))).toEqual(new Set(definition.accounts.map((a) => a.id)));
    expect(await drift(run.id, 'account_added')).toHaveLength(definition.accounts.length);
  });

  it('records the drift of an account no longer in the organization once the walk is complete', async () => {
    const gone = definition.accounts.find(
      (a) => a.state === 'ACTIVE' && a.id !== definition.organization.managementAccountId,
    )!;
    const res = await fetch(`${sim.endpoint}/_sim/accounts/${gone.id}`, { method: 'DELETE' });
    expect(res.ok).toBe(true);
    const { run, failures } = await scanWith();
    expect(failures).toEqual([]);
    expect(run.total).toBe(definition.accounts.length - 1);
    expect(scanRunDone(run)).toBe(run.total);
    const removed = await drift(run.id, 'account_removed');
    expect(removed.map((e) => e.accountId)).toEqual([gone.id]);
    expect(await drift(run.id, 'account_added')).toEqual([]);
  });

  it('walks again after a retryable failure mid-walk, and counts every account once', async () => {
    let failed = false;
    const { run, failures } = await scanWith(async (_page, index) => {
      if (index === 1 && !failed) {
        failed = true;
        throw new AwsAccessError(
          classifyAwsError(
            { name: 'ThrottlingException', message: 'Rate exceeded' },
            { operation: 'organizations:ListAccountsForParent' },
          ),
        );
      }
    });
    expect(failed).toBe(true);
    expect(failures).toEqual([]);
    expect(run.status).not.toBe('failed');
    expect(run.total).toBe(definition.accounts.length - 1);
    expect(scanRunDone(run)).toBe(run.total);
  });

  it('fails the run on a discovery failure mid-walk; the jobs it already started are harmless', async () => {
    const { run, failures } = await scanWith(async (_page, index) => {
      if (index === 1) {
        throw new AwsAccessError(
          classifyAwsError(
            { name: 'AccessDeniedException', message: 'not allowed' },
            { operation: 'organizations:ListAccountsForParent' },
          ),
        );
      }
    });
    expect(failures).toEqual([]);
    expect(run.status).toBe('failed');
    expect(run.errorCode).toMatch(/^discovery\./);
    // The removed-account diff needs the whole list: none is drawn from a partial walk.
    expect(await drift(run.id, 'account_removed')).toEqual([]);
  });
});
