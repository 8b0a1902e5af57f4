// CPU per event of one root-events consumer process: N events put on the simulated queue first, then one
// consumer child (bench/lib/events-consumer.ts) drains them; its CPU time (utime+stime from /proc) / N.
// Usage: tsx bench/lib/events-cpu.ts [events] [--prof DIR]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateOrg, startSimulator } from '@rootwatch/aws-sim';
import { createTestDatabase } from '@rootwatch/db/testing';

const EVENTS = Number(process.argv[2] ?? 2000);
const profDir = process.argv.indexOf('--prof') > 0 ? process.argv[process.argv.indexOf('--prof') + 1] : null;
const definition = generateOrg({ accounts: 200, seed: 18 });
const sim = await startSimulator({
  definition: {
    ...definition,
    events: { queueName: 'rootwatch-root-activity', maxReceiveCount: 5, visibilityTimeout: 30 },
  },
});
const testDb = await createTestDatabase({ max: 4 });
if (testDb.database.driver !== 'pg') throw new Error('needs Postgres');
const pool = testDb.database.pool;
const ids = definition.accounts.map((a) => a.id);
await pool.query(`INSERT INTO organizations (id) VALUES ('cpu')`);
await pool.query(
  `INSERT INTO accounts (id, org_id, name, email, state) SELECT id, 'cpu', id, id || '@x', 'ACTIVE' FROM unnest($1::text[]) AS id`,
  [ids],
);
for (let i = 0; i < EVENTS; i += 50)
  await Promise.all(
    Array.from({ length: Math.min(50, EVENTS - i) }, (_, j) =>
      fetch(`${sim.endpoint}/_sim/accounts/${ids[(i + j) % ids.length]}/root-activity`, {
        method: 'POST',
        body: JSON.stringify({ kind: (i + j) % 3 ? 'console_login' : 'api_call' }),
      }),
    ),
  );
const queueUrl = `${sim.endpoint}/${definition.organization.managementAccountId}/rootwatch-root-activity`;
const script = fileURLToPath(new URL('./events-consumer.ts', import.meta.url));
const child = spawn(
  process.execPath,
  [
    ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []),
    '--import',
    'tsx',
    script,
    JSON.stringify({
      databaseUrl: testDb.url,
      queueUrl,
      endpoint: sim.endpoint,
      region: sim.region,
      credentials: sim.credentials,
    }),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const cpuMs = () => {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};
await new Promise<void>((r) =>
  child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && r()),
);
const startCpu = cpuMs();
const t0 = performance.now();
for (;;) {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM root_activity');
  if (rows[0].n >= EVENTS) break;
  await new Promise((r) => setTimeout(r, 100));
}
const wall = performance.now() - t0;
const cpu = cpuMs() - startCpu;
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
console.log(
  JSON.stringify({
    events: EVENTS,
    consumer_cpu_ms: cpu,
    cpu_ms_per_event: Math.round((cpu / EVENTS) * 1000) / 1000,
    wall_s: Math.round(wall) / 1000,
    events_per_s: Math.round(EVENTS / (wall / 1000)),
  }),
);
await sim.stop();
await testDb.drop();
process.exit(0);
