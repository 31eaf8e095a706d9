import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start dynalite, fauxqs and HTTP simulators on ephemeral ports; give them room
    // on a 2-core CI machine without turning slowness into assertions.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Metrics and logs go straight to stdout; tests assert on the ledger (the log test sets its own level).
    env: { TZ: 'UTC', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' },
  },
});
