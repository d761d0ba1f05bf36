/** The Markdown report: the summary, then each failed case with the rules it broke and the frames exchanged. */
import type { RunResult } from '../types.ts';
import { summaryTable } from './summary.ts';

/** The run as a Markdown document. */
export function markdownReport(run: RunResult): string {
  const failed = run.results.filter((r) => r.verdict === 'failed');
  const out = [
    `# ocppkit conformance: ${run.side === 'csms' ? 'CSMS' : 'charge point'}, ${run.protocol}`,
    '',
    `${run.results.length} cases in ${(run.durationMs / 1000).toFixed(1)} s: ${run.passed ? 'all passed' : `${failed.length} failed`}.`,
    '',
    summaryTable(run),
    '',
  ];
  for (const r of failed) {
    out.push(
      `## ${r.id}: ${r.title}`,
      '',
      `Block ${r.block}, use case ${r.useCase}${r.requirements.length > 0 ? `, requirements ${r.requirements.join(', ')}` : ''}.`,
      '',
      'Rules broken:',
      '',
    );
    for (const p of r.problems) out.push(`- ${p.rule}${p.requirement === undefined ? '' : ` (${p.requirement})`}`);
    out.push('', 'Frames (`>` sent by the kit, `<` received):', '', '```');
    for (const f of r.frames)
      out.push(`${String(f.at).padStart(6)} ms ${f.direction === 'sent' ? '>' : '<'} ${f.text}`);
    out.push('```', '');
  }
  return out.join('\n');
}
