import { defineConfig } from 'vitest/config';

/** Under CI the results are also written as JSON, for the summary line `.ci/run` prints. */
const ciReport: [['json', { outputFile: string }]] | [] = process.env.CI
  ? [['json', { outputFile: '.scratch/vitest-results.json' }]]
  : [];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 20_000,
    reporters: ['default', ...ciReport],
  },
});
