import { defineConfig } from 'vitest/config';

/** Under CI the results are also written as JSON, for the summary line `.ci/run` prints. */
const ciReport: [['json', { outputFile: string }]] | [] = process.env.CI
  ? [['json', { outputFile: '.scratch/vitest-results.json' }]]
  : [];

const src = new URL('./src/', import.meta.url).pathname;

export default defineConfig({
  // the examples import the package by its name, as users do: here it is the sources
  resolve: {
    alias: [
      { find: /^ocppkit\/(testing|server)$/, replacement: `${src}$1.ts` },
      { find: /^ocppkit\/(v16|v201|v21)$/, replacement: `${src}$1/index.ts` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 20_000,
    reporters: ['default', ...ciReport],
  },
});
