import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start dynalite, fauxqs and HTTP simulators on ephemeral ports; give them room
    // on a 2-core CI machine without turning slowness into assertions.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // EMF metrics go straight to stdout; tests assert on the ledger, not on metric lines.
    env: { TZ: 'UTC', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
