import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Typed linting and full-fixture runs parse real library declarations: give them room on 2-core machines.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
