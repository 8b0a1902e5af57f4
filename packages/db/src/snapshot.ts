import { getTableColumns, type Table } from 'drizzle-orm';
import type { DriftEvent } from './drift-events.repository';
import type { FindingException, FindingExceptionWithCoverage } from './exceptions.repository';
import type { Finding } from './findings.repository';
import type { RootActivityRow } from './root-activity.repository';
import type { ScanRun } from './scan-runs.repository';
import { driftEvents, findingExceptions, findings, rootActivity, scanRuns } from './schema';

/**
 * A row as Postgres' to_jsonb() wrote it (webhook_outbox.payload: snake_case keys, timestamps as text)
 * back into the typed row drizzle reads, through each column's own driver mapping, so the API's resource
 * mappers shape it exactly like a row they read. Columns added to the schema later are covered as they come.
 */
export function rowFromSnapshot<T>(table: Table, snapshot: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = snapshot[column.name];
    row[key] = value === undefined || value === null ? null : column.mapFromDriverValue(value);
  }
  return row as T;
}

export const findingFromSnapshot = (snapshot: Record<string, unknown>) =>
  rowFromSnapshot<Finding>(findings, snapshot);
export const driftEventFromSnapshot = (snapshot: Record<string, unknown>) =>
  rowFromSnapshot<DriftEvent>(driftEvents, snapshot);
export const exceptionFromSnapshot = (snapshot: Record<string, unknown>): FindingExceptionWithCoverage => ({
  ...rowFromSnapshot<FindingException>(findingExceptions, snapshot),
  coveredFindings: Number(snapshot.covered_findings ?? 0),
});
export const rootActivityFromSnapshot = (snapshot: Record<string, unknown>) =>
  rowFromSnapshot<RootActivityRow>(rootActivity, snapshot);
export const scanRunFromSnapshot = (snapshot: Record<string, unknown>) =>
  rowFromSnapshot<ScanRun>(scanRuns, snapshot);
