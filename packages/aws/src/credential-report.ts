import type { CredentialReportSource } from '@rootwatch/core';
import { interpretRootRow, ROOT_ACCOUNT_USER, type SourceResult } from '@rootwatch/core';
import { parse } from 'csv-parse/sync';

function malformed(message: string): SourceResult<never> {
  return { ok: false, error: { kind: 'malformed', code: 'MalformedCredentialReport', message } };
}

/**
 * Parses a credential report (CSV as returned in GetCredentialReport's `Content`) by
 * header name and interprets the `<root_account>` row. Anything unexpected is a
 * `malformed` error: no column positions, no guesses.
 */
export function parseCredentialReport(
  content: Uint8Array | string,
  generatedAt: string,
): SourceResult<CredentialReportSource> {
  const text =
    typeof content === 'string' ? content : new TextDecoder('utf-8', { fatal: false }).decode(content);
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: false, bom: true }) as Record<
      string,
      string
    >[];
  } catch (err) {
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'unparseable CSV';
    return malformed(`credential report is not valid CSV: ${reason}`);
  }
  const roots = rows.filter((r) => r.user === ROOT_ACCOUNT_USER);
  if (roots.length !== 1) {
    return malformed(
      `credential report has ${roots.length} ${ROOT_ACCOUNT_USER} rows (expected exactly one)`,
    );
  }
  const raw = roots[0]!;
  const interpreted = interpretRootRow(raw);
  if (!interpreted.ok) return interpreted;
  return { ok: true, value: { generatedAt, root: interpreted.row, rawRootRow: raw } };
}
