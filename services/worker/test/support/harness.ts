import type { OrgDefinition } from '@rootwatch/aws-sim';
import { generateOrg, type RunningSimulator, startSimulator } from '@rootwatch/aws-sim';
import { NO_AWS_BUDGETS, type OrgConfig, type RootwatchConfig } from '@rootwatch/config';
import { scanRunDone } from '@rootwatch/core';
import { createRepositories, type Db } from '@rootwatch/db';
import pino from 'pino';

export const ORG_ID = 'test-org';
export const silentLogger = pino({ level: 'silent' });

/** A generated organization with no latency or faults unless asked: tests measure behaviour, not speed. */
export function generatedDefinition(
  accounts: number,
  seed: number,
  extra: Partial<OrgDefinition> = {},
): OrgDefinition {
  return {
    ...generateOrg({ accounts, seed }),
    latencyMs: { min: 0, max: 0 },
    credentialReportDelayMs: 0,
    ...extra,
  };
}

export async function startSim(definition: OrgDefinition): Promise<RunningSimulator> {
  return startSimulator({ definition, port: 0 });
}

export function orgConfig(definition: OrgDefinition, id = ORG_ID): OrgConfig {
  return {
    id,
    memberRoleName: definition.auditRole.name,
    ...(definition.auditRole.externalId ? { externalId: definition.auditRole.externalId } : {}),
    schedule: '0 */6 * * *',
    region: 'us-east-1',
  };
}

export function testConfig(
  sim: RunningSimulator,
  orgs: OrgConfig[],
  extra: Partial<RootwatchConfig> = {},
): RootwatchConfig {
  return {
    api: { host: '127.0.0.1', port: 0 },
    logLevel: 'silent',
    usageWindowDays: 90,
    retentionDays: 90,
    worker: { concurrency: 16, awsBudgets: NO_AWS_BUDGETS },
    aws: { region: 'us-east-1', endpointUrl: sim.endpoint },
    organizations: orgs,
    ...extra,
  };
}

/** Sends a /_sim control call (drift, faults) to the simulator. */
export async function simControl(
  sim: RunningSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`${sim.endpoint}/_sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} /_sim${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Polls Postgres until the run has a terminal status. */
export async function waitForRun(db: Db, runId: string, timeoutMs = 120_000) {
  const repos = createRepositories({ db });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await repos.scanRuns.get({ id: runId }).catch(() => null);
    if (run?.finishedAt) return run;
    if (Date.now() > deadline) {
      throw new Error(
        `run ${runId} did not finish: ${run ? `${run.status} ${scanRunDone(run)}/${run.total}` : 'unreadable'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls until at least `count` accounts of the run are recorded. */
export async function waitForRecorded(db: Db, runId: string, count: number, timeoutMs = 60_000) {
  const repos = createRepositories({ db });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await repos.scanRuns.get({ id: runId });
    if (run && scanRunDone(run) >= count) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId}: fewer than ${count} accounts recorded`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
