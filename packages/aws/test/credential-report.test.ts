import { CREDENTIAL_REPORT_COLUMNS } from '@rootwatch/core';
import { describe, expect, it } from 'vitest';
import { parseCredentialReport, parseCsv } from '../src/credential-report';

const HEADER = CREDENTIAL_REPORT_COLUMNS.join(',');
const ROOT =
  '<root_account>,arn:aws:iam::111122223333:root,2017-06-10T02:35:07+00:00,not_supported,2017-10-22T08:11:09+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const USER =
  'alice,arn:aws:iam::111122223333:user/alice,2018-01-01T00:00:00+00:00,true,2026-11-01T00:00:00+00:00,2025-01-01T00:00:00+00:00,N/A,true,true,2024-01-01T00:00:00+00:00,2026-11-30T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const bytes = (s: string) => new TextEncoder().encode(s);

describe('parseCredentialReport', () => {
  it('finds the root row by header name, whatever the row order', () => {
    const r = parseCredentialReport(bytes(`${HEADER}\n${USER}\n${ROOT}\n`), '2026-12-01T00:00:00.000Z');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.generatedAt).toBe('2026-12-01T00:00:00.000Z');
    expect(r.value.rawRootRow.arn).toBe('arn:aws:iam::111122223333:root');
    expect(r.value.root.passwordEnabled).toBeNull();
    expect(r.value.root.passwordLastUsed).toEqual({ kind: 'time', at: '2017-10-22T08:11:09.000Z' });
  });

  it('reads columns by name even when AWS reorders them', () => {
    const cols = [...CREDENTIAL_REPORT_COLUMNS];
    const cells = ROOT.split(',');
    const order = cols.map((_, i) => i).reverse();
    const text = `${order.map((i) => cols[i]).join(',')}\n${order.map((i) => cells[i]).join(',')}\n`;
    const r = parseCredentialReport(text, '2026-12-01T00:00:00.000Z');
    expect(r.ok && r.value.root.mfaActive).toBe(true);
  });

  it.each([
    ['not CSV (unbalanced quote)', `${HEADER}\n"<root_account>,arn\n`],
    ['a row with the wrong number of cells', `${HEADER}\n<root_account>,arn:aws:iam::1:root,true\n`],
    ['no root row', `${HEADER}\n${USER}\n`],
    ['two root rows', `${HEADER}\n${ROOT}\n${ROOT}\n`],
    ['a missing column', `user,arn,mfa_active\n<root_account>,arn:aws:iam::1:root,true\n`],
    ['garbage in a cell', `${HEADER}\n${ROOT.replace(',true,false,', ',yes,false,')}\n`],
    ['an HTML error page', '<html><body>Service Unavailable</body></html>'],
  ])('%s → a clear malformed error', (_name, text) => {
    const r = parseCredentialReport(text, '2026-12-01T00:00:00.000Z');
    expect(r).toMatchObject({ ok: false, error: { kind: 'malformed', code: 'MalformedCredentialReport' } });
    if (!r.ok) expect(r.error.message).toMatch(/credential report/);
  });
});

describe('parseCsv', () => {
  it('reads quoted fields (commas, doubled quotes, newlines), CRLF records, a BOM, and skips empty lines', () => {
    expect(parseCsv('\ufeffa,b,c\r\n"x,1","say ""hi""","two\nlines"\r\n\r\n,,\n')).toEqual([
      ['a', 'b', 'c'],
      ['x,1', 'say "hi"', 'two\nlines'],
      ['', '', ''],
    ]);
    expect(parseCsv('a,b')).toEqual([['a', 'b']]);
    expect(parseCsv('')).toEqual([]);
  });

  it.each([
    ['an unclosed quote', 'a,"b\n'],
    ['text after a closing quote', 'a,"b"c\n'],
    ['a quote inside an unquoted field', 'a,b"c\n'],
  ])('%s is not CSV', (_name, text) => {
    expect(parseCsv(text)).toMatchObject({ error: expect.any(String) });
  });
});
