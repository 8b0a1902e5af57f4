import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '@rootwatch/config';
import { expect, it } from 'vitest';

const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');

it('the README configuration table is exactly what packages/config reads', () => {
  const table = readme.split('<!-- config-table:start -->')[1]?.split('<!-- config-table:end -->')[0] ?? '';
  const expected = [
    '| variable | default | meaning |',
    '|---|---|---|',
    ...CONFIG_VARIABLES.map(
      (v) => `| \`${v.name}\` | ${v.default ? `\`${v.default}\`` : '—'} | ${v.description} |`,
    ),
  ].join('\n');
  expect(table.trim()).toBe(expected);
});
