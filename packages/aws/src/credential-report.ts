import type { CredentialReportSource } from '@rootwatch/core';
import { interpretRootRow, ROOT_ACCOUNT_USER, type SourceResult } from '@rootwatch/core';

function malformed(message: string): SourceResult<never> {
  return { ok: false, error: { kind: 'malformed', code: 'MalformedCredentialReport', message } };
}

/**
 * RFC 4180 CSV (quoted fields with "" escapes, CRLF or LF records, empty lines skipped): the records, or
 * why the text is not CSV. Written out rather than csv-parse: a worker parses one report per account, and
 * csv-parse's per-call set-up was most of its ~1 ms per report (the reports themselves are a few rows).
 */
export function parseCsv(text: string): string[][] | { error: string } {
  const records: string[][] = [];
  let record: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  for (;;) {
    let field: string;
    if (text[i] === '"') {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) return { error: `unclosed quote at line ${line}` };
        value += text.slice(from, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          from = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      for (const c of value) if (c === '\n') line++;
      field = value;
      if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        return { error: `invalid closing quote at line ${line}` };
      }
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      field = text.slice(i, end);
      if (field.includes('"')) return { error: `quote inside an unquoted field at line ${line}` };
      i = end;
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    // End of the record (a newline or the end of the text); a record of one empty field is an empty line.
    if (record.length > 1 || record[0] !== '') records.push(record);
    record = [];
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (i >= text.length) return records;
  }
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
  const records = parseCsv(text);
  if (!Array.isArray(records)) return malformed(`credential report is not valid CSV: ${records.error}`);
  const [header = [], ...rows] = records;
  const wrongLength = rows.findIndex((r) => r.length !== header.length);
  if (wrongLength !== -1) {
    return malformed(
      `credential report is not valid CSV: record ${wrongLength + 2} has ${rows[wrongLength]!.length} fields, the header ${header.length}`,
    );
  }
  const userColumn = header.indexOf('user');
  const roots = rows.filter((r) => userColumn !== -1 && r[userColumn] === ROOT_ACCOUNT_USER);
  if (roots.length !== 1) {
    return malformed(
      `credential report has ${roots.length} ${ROOT_ACCOUNT_USER} rows (expected exactly one)`,
    );
  }
  const raw: Record<string, string> = {};
  header.forEach((column, i) => {
    raw[column] = roots[0]![i]!;
  });
  const interpreted = interpretRootRow(raw);
  if (!interpreted.ok) return interpreted;
  return { ok: true, value: { generatedAt, root: interpreted.row, rawRootRow: raw } };
}
