/** JUnit XML: one `<testcase>` per case, a `<failure>` with the rules broken, a `<skipped>` when skipped. */
import type { RunResult } from '../types.ts';

function xmlEscape(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

/** The run as a JUnit XML document. */
export function junitReport(run: RunResult): string {
  const failures = run.results.filter((r) => r.verdict === 'failed').length;
  const skipped = run.results.filter((r) => r.verdict === 'skipped').length;
  const suite = `ocppkit conformance ${run.side} ${run.protocol}`;
  const cases = run.results.map((r) => {
    const name = xmlEscape(`${r.id} ${r.title}`);
    const open = `    <testcase classname="${xmlEscape(`${run.protocol}.${r.block}`)}" name="${name}" time="${(r.durationMs / 1000).toFixed(3)}"`;
    if (r.verdict === 'passed') return `${open}/>`;
    if (r.verdict === 'skipped')
      return `${open}>\n      <skipped message="${xmlEscape(r.skipReason ?? '')}"/>\n    </testcase>`;
    const rules = r.problems.map((p) => `${p.rule}${p.requirement === undefined ? '' : ` [${p.requirement}]`}`);
    const frames = r.frames.map((f) => `${f.at}ms ${f.direction === 'sent' ? '>' : '<'} ${f.text}`);
    return `${open}>\n      <failure message="${xmlEscape(rules[0] ?? 'failed')}">${xmlEscape([...rules, '', ...frames].join('\n'))}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ocppkit conformance" tests="${run.results.length}" failures="${failures}" skipped="${skipped}" time="${(run.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${run.results.length}" failures="${failures}" skipped="${skipped}" time="${(run.durationMs / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
