import path from 'node:path';
import { defineConfig } from 'vitest/config';

/** The longer reliability suite (`npm run test:stress`): SIGKILL durability, console outage, graceful shutdown, a big fuzz run. */
export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['test/stress/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // the stress files start and kill their own servers: one file at a time on a 2-core machine
    maxWorkers: 1,
    fileParallelism: false,
    env: { NODE_ENV: 'test' },
  },
});
