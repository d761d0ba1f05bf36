import { defineConfig } from 'vitest/config';

/** Under CI the results are also written as JSON, for the summary line `.ci/run` prints. */
const ciReport = process.env.CI ? [['json', { outputFile: '.scratch/vitest-results.json' }] as const] : [];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 20_000,
    reporters: ['default', ...ciReport],
  },
});
