import { join, relative } from 'node:path';
import { defineConfig } from 'drizzle-kit';

// drizzle-kit loads this file as CommonJS (so __dirname is this package) and wants paths relative to the
// working directory: this works from the repository root (`pnpm db:generate`) and from packages/db alike.
const fromHere = (path: string) => relative(process.cwd(), join(__dirname, path)) || '.';

export default defineConfig({
  dialect: 'postgresql',
  schema: fromHere('src/schema/index.ts'),
  out: fromHere('../../migrations'),
  strict: true,
});
