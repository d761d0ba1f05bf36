/** The summary table of a run (block, passed, failed, skipped) and the one-line progress of a case. */
import type { CaseResult, RunResult } from '../types.ts';

/** Per block, in the order the blocks first appear: passed, failed, skipped. */
export function summaryRows(
  results: readonly CaseResult[],
): { block: string; passed: number; failed: number; skipped: number }[] {
  const rows = new Map<string, { block: string; passed: number; failed: number; skipped: number }>();
  for (const r of results) {
    const row = rows.get(r.block) ?? { block: r.block, passed: 0, failed: 0, skipped: 0 };
    row[r.verdict] += 1;
    rows.set(r.block, row);
  }
  return [...rows.values()];
}

/** The summary as a Markdown table, with a total row. */
export function summaryTable(run: RunResult): string {
  const rows = summaryRows(run.results);
  const total = rows.reduce(
    (t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  const width = Math.max(5, ...rows.map((r) => r.block.length));
  const line = (block: string, p: number | string, f: number | string, s: number | string) =>
    `| ${block.padEnd(width)} | ${String(p).padStart(6)} | ${String(f).padStart(6)} | ${String(s).padStart(7)} |`;
  return [
    line('Block', 'passed', 'failed', 'skipped'),
    `| ${'-'.repeat(width)} | -----: | -----: | ------: |`,
    ...rows.map((r) => line(r.block, r.passed, r.failed, r.skipped)),
    line('Total', total.passed, total.failed, total.skipped),
  ].join('\n');
}
