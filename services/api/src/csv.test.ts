import { expect, test } from 'vitest';
import { csvCell, csvRow } from './csv';

test.each([
  ['plain', 'plain'],
  ['a,b', '"a,b"'],
  ['say "hi"', '"say ""hi"""'],
  ['line\nbreak', '"line\nbreak"'],
  ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
  ['+1', "'+1"],
  ['@sum', "'@sum"],
  ['', ''],
])('csvCell(%j) = %j', (input, expected) => {
  expect(csvCell(input)).toBe(expected);
});

test('a row ends with CRLF', () => {
  expect(csvRow(['a', 'b'])).toBe('a,b\r\n');
});
