import { defineConfig } from 'vitest/config';

// Round trips on the real OpenTelemetry SDK and the broker clients' own codecs (dev dependencies of the workspace root).
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
