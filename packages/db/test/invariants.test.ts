import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgErrorOf } from '../src/errors';
import type { Db } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const orgId = 'o-invariants1';
const accountId = '111122223333';

async function expectViolation(db: Db, statement: ReturnType<typeof sql>, code: string, constraint?: string) {
  const error = await db.execute(statement).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the database accepted a row it must refuse').toBeDefined();
  const pgError = pgErrorOf(error);
  expect(pgError?.code).toBe(code);
  if (constraint) expect(pgError?.constraint).toBe(constraint);
}

describe.each(['pg', 'pglite'] as const)('database invariants on %s', (driver) => {
  let test: TestDatabase;
  let db: Db;
  let runId: string;

  beforeAll(async () => {
    test = await createTestDatabase({ driver });
    db = test.database.db;
    await db.execute(sql`INSERT INTO organizations (id) VALUES (${orgId})`);
    await db.execute(
      sql`INSERT INTO accounts (id, org_id, name, email, state) VALUES (${accountId}, ${orgId}, 'a', 'a@example.com', 'ACTIVE')`,
    );
    const result = (await db.execute(
      sql`INSERT INTO scan_runs (org_id, trigger, status, total, started_at) VALUES (${orgId}, 'api', 'running', 5, now()) RETURNING id`,
    )) as unknown as { rows: { id: string }[] };
    runId = result.rows[0]!.id;
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('refuses an account id that is not 12 digits', async () => {
    for (const id of ['12345678901', '1234567890123', '12345678901a']) {
      await expectViolation(
        db,
        sql`INSERT INTO accounts (id, org_id, name, email, state) VALUES (${id}, ${orgId}, 'x', 'x@example.com', 'ACTIVE')`,
        '23514',
        'accounts_id_format',
      );
    }
  });

  it('refuses values outside every status enumeration', async () => {
    await expectViolation(
      db,
      sql`INSERT INTO accounts (id, org_id, name, email, state) VALUES ('999988887777', ${orgId}, 'x', 'x@example.com', 'GONE')`,
      '23514',
      'accounts_state_values',
    );
    await expectViolation(
      db,
      sql`INSERT INTO scan_runs (org_id, trigger, status, finished_at) VALUES (${orgId}, 'api', 'done', now())`,
      '23514',
      'scan_runs_status_values',
    );
    await expectViolation(
      db,
      sql`INSERT INTO scan_runs (org_id, trigger, status, finished_at) VALUES (${orgId}, 'cron', 'failed', now())`,
      '23514',
      'scan_runs_trigger_values',
    );
    await expectViolation(
      db,
      sql`INSERT INTO account_scans (scan_run_id, account_id, outcome, observed_at) VALUES (${runId}, ${accountId}, 'timeout', now())`,
      '23514',
      'account_scans_outcome_values',
    );
    await expectViolation(
      db,
      sql`INSERT INTO control_states (account_id, control_id, status, since, severity, observed_at) VALUES (${accountId}, 'root.mfa', 'OK', now(), 'high', now())`,
      '23514',
      'control_states_status_values',
    );
    await expectViolation(
      db,
      sql`INSERT INTO findings (dedup_key, account_id, control_id, severity, status, opened_at, last_seen_at) VALUES (${`${accountId}/root.mfa`}, ${accountId}, 'root.mfa', 'high', 'closed', now(), now())`,
      '23514',
      'findings_status_values',
    );
    await expectViolation(
      db,
      sql`INSERT INTO drift_events (org_id, kind, severity) VALUES (${orgId}, 'something_else', 'high')`,
      '23514',
      'drift_events_kind_values',
    );
    await expectViolation(
      db,
      sql`INSERT INTO api_keys (name, prefix, hash, scopes) VALUES ('k', 'rw_bad', ${'a'.repeat(64)}, ARRAY['read','root'])`,
      '23514',
      'api_keys_scopes_values',
    );
  });

  it('refuses a second account_scans row for the same run and account', async () => {
    await db.execute(
      sql`INSERT INTO account_scans (scan_run_id, account_id, outcome, observed_at) VALUES (${runId}, ${accountId}, 'assessed', now())`,
    );
    await expectViolation(
      db,
      sql`INSERT INTO account_scans (scan_run_id, account_id, outcome, observed_at) VALUES (${runId}, ${accountId}, 'error', now())`,
      '23505',
      'account_scans_pkey',
    );
  });

  it('refuses a second current posture version for an account, and accepts it once the first is superseded', async () => {
    await db.execute(
      sql`INSERT INTO posture_versions (account_id, facts, results, fingerprint, first_observed_at, last_observed_at) VALUES (${accountId}, '{}', '{}', 'f1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
    );
    const second = sql`INSERT INTO posture_versions (account_id, facts, results, fingerprint, first_observed_at, last_observed_at) VALUES (${accountId}, '{}', '{}', 'f2', '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z')`;
    await expectViolation(db, second, '23505', 'posture_versions_one_current_per_account_idx');
    await db.execute(
      sql`UPDATE posture_versions SET superseded_at = '2026-01-02T00:00:00Z' WHERE account_id = ${accountId} AND fingerprint = 'f1'`,
    );
    await db.execute(second);
  });

  it('refuses a second queued or running scan for an organization', async () => {
    await expectViolation(
      db,
      sql`INSERT INTO scan_runs (org_id, trigger) VALUES (${orgId}, 'schedule')`,
      '23505',
      'scan_runs_one_active_per_org_idx',
    );
    // Finished runs do not count.
    await db.execute(
      sql`INSERT INTO scan_runs (org_id, trigger, status, finished_at) VALUES (${orgId}, 'schedule', 'succeeded', now())`,
    );
    await expectViolation(
      db,
      sql`INSERT INTO scan_runs (org_id, trigger, status, finished_at) VALUES (${orgId}, 'schedule', 'succeeded', NULL)`,
      '23514',
      'scan_runs_finished_iff_terminal',
    );
  });

  it('refuses counters that add up to more than the total', async () => {
    await expectViolation(
      db,
      sql`UPDATE scan_runs SET assessed = 6 WHERE id = ${runId}`,
      '23514',
      'scan_runs_counters_valid',
    );
  });

  it('refuses a second open finding for an account × control, but keeps resolved episodes', async () => {
    const key = `${accountId}/root.access-keys`;
    await db.execute(
      sql`INSERT INTO findings (dedup_key, account_id, control_id, severity, status, opened_at, resolved_at, last_seen_at) VALUES (${key}, ${accountId}, 'root.access-keys', 'critical', 'resolved', now(), now(), now())`,
    );
    await db.execute(
      sql`INSERT INTO findings (dedup_key, account_id, control_id, severity, opened_at, last_seen_at) VALUES (${key}, ${accountId}, 'root.access-keys', 'critical', now(), now())`,
    );
    await expectViolation(
      db,
      sql`INSERT INTO findings (dedup_key, account_id, control_id, severity, opened_at, last_seen_at) VALUES (${key}, ${accountId}, 'root.access-keys', 'critical', now(), now())`,
      '23505',
      'findings_one_open_per_dedup_key_idx',
    );
    await expectViolation(
      db,
      sql`INSERT INTO findings (dedup_key, account_id, control_id, severity, opened_at, last_seen_at) VALUES ('other', ${accountId}, 'root.mfa', 'critical', now(), now())`,
      '23514',
      'findings_dedup_key_format',
    );
  });

  it('gives drift events strictly increasing ids and refuses an id chosen by the writer', async () => {
    const result = (await db.execute(
      sql`INSERT INTO drift_events (org_id, account_id, kind, severity) SELECT ${orgId}, ${accountId}, 'account_added', 'info' FROM generate_series(1, 5) RETURNING id`,
    )) as unknown as { rows: { id: string | number }[] };
    const ids = result.rows.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(5);
    await expectViolation(
      db,
      sql`INSERT INTO drift_events (id, org_id, kind, severity) VALUES (1, ${orgId}, 'account_added', 'info')`,
      '428C9',
    );
  });
});
