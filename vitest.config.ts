import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // Real brokers: `npm run test:e2e` (vitest.e2e.config.ts).
    exclude: ['test/e2e/**', ...configDefaults.exclude],
    // Typed linting and full-fixture runs parse real library declarations: give them room on 2-core machines.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
