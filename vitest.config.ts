import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs the unit tests, then the integration suite against an embedded PostgreSQL, and — when
 * DATABASE_URL is set (CI sets it when 127.0.0.1:5432 answers) — the same suite against that server, in a
 * fresh database created and dropped by the run.
 */
const integration = (name: string, setup: string) => ({
  test: {
    name,
    include: ['test/integration/**/*.test.ts'],
    globalSetup: [setup],
    // Workers sweep the whole database with each file's own fake clock, so files run one at a time.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'] } },
      // Each PSP adapter (official SDK) against an in-process fake of its HTTP API: no database needed.
      { test: { name: 'contract', include: ['test/contract/**/*.test.ts'], testTimeout: 30_000 } },
      integration('integration:embedded', 'test/support/embedded-setup.ts'),
      ...(process.env.DATABASE_URL ? [integration('integration:postgres', 'test/support/server-setup.ts')] : []),
      { test: { name: 'process', include: ['test/process/**/*.test.ts'], testTimeout: 120_000 } },
      // Real Chromium (Debian's, through playwright-core) against a server started like `npm start`.
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/server-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
