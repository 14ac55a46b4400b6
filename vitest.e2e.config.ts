import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// End-to-end suite against real brokers (`npm run test:e2e`): see test/e2e/brokers.ts.
export default defineConfig({
  resolve: {
    alias: {
      // The codemod inserts `import ... from 'trace-propagation-helpers'`: run it against the source.
      'trace-propagation-helpers': fileURLToPath(new URL('./packages/helpers/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
