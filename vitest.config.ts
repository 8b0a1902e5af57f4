import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    pool: 'forks',
    // Vitest's default is one worker per core less one: on the 2-core CI machines, one file at a time (~15 min).
    // The files wait mostly on Postgres, Redis, the simulator and child processes, and each has its own database,
    // key prefix and ports (the fault tests their own redis-server), so four run side by side: ~6 min.
    maxWorkers: 4,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
