/**
 * One RFC 4180 line. A cell starting with = + - @ (or a tab / CR) is prefixed with ' so a spreadsheet does not
 * run an account name chosen by whoever controls that account as a formula.
 */
export function csvRow(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
