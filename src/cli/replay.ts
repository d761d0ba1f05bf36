/** `ocppkit replay <trace> --csms <url>`: a recorded session played against a CSMS, the differences reported. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type IgnoreRule, parseIgnoreRule } from '../observability/compare.ts';
import { type ReplayReport, replay } from '../observability/replay.ts';
import type { ReplayDifference } from '../observability/replay-types.ts';

export const REPLAY_USAGE = `  replay <trace>        Play the charge point's side of a recorded trace (a .jsonl file or a --record
                        directory) against a CSMS; report where its answers differ (exit 1) or none (exit 0)
    --csms <url>        The CSMS's WebSocket URL without the identity (required)
    --identity <id>     Replay only this charge point (default: each one in the trace)
    --ignore <rule>     Also ignore a field: path, Action:path (* and ** match keys); repeatable
    --ignore-file <f>   Also ignore the rules of a JSON file: [{ "action"?, "path"?, "dateTimes"?, "generated"? }]
    --no-default-ignore Compare date-times and generated ids too
    --password <p>      Basic auth password of every charge point replayed
    --ca <file>         CA certificate (PEM) for a wss:// CSMS
    --timeout <ms>      Wait this long for each answer (default 10000)
    --json              Print the reports as JSON
`;

/** A replay command line that cannot be run. */
export class ReplayUsageError extends Error {}

export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      csms: { type: 'string' },
      identity: { type: 'string' },
      ignore: { type: 'string', multiple: true },
      'ignore-file': { type: 'string' },
      'no-default-ignore': { type: 'boolean', default: false },
      password: { type: 'string' },
      ca: { type: 'string' },
      timeout: { type: 'string', default: '10000' },
      json: { type: 'boolean', default: false },
    },
  });
  const trace = positionals[0];
  if (trace === undefined) throw new ReplayUsageError('replay needs a trace: ocppkit replay <trace> --csms <url>');
  if (values.csms === undefined) throw new ReplayUsageError('replay needs --csms <url>, e.g. ws://localhost:9000');
  const timeout = Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout <= 0) throw new ReplayUsageError(`invalid timeout ${values.timeout}`);
  const ignore: IgnoreRule[] = [];
  try {
    for (const text of values.ignore ?? []) ignore.push(parseIgnoreRule(text));
    if (values['ignore-file'] !== undefined) ignore.push(...readRules(values['ignore-file']));
  } catch (error) {
    throw new ReplayUsageError((error as Error).message);
  }
  // replay() rejects only when the trace cannot be read: said as a usage error
  const reports = await replay(trace, {
    csms: values.csms,
    ...(values.password === undefined ? {} : { password: values.password }),
    ...(values.ca === undefined ? {} : { ca: readFileSync(values.ca) }),
    ...(values.identity === undefined ? {} : { identity: values.identity }),
    ignore,
    defaultRules: !values['no-default-ignore'],
    timeout,
  }).catch((error: unknown) => {
    throw new ReplayUsageError(`cannot read the trace: ${(error as Error).message}`);
  });
  process.stdout.write(values.json ? `${JSON.stringify(reports, null, 2)}\n` : formatReports(reports));
  return reports.every((report) => report.differences.length === 0) ? 0 : 1;
}

function readRules(file: string): IgnoreRule[] {
  const rules: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(rules) || !rules.every((rule) => typeof rule === 'object' && rule !== null)) {
    throw new Error(`${file}: expected an array of ignore rules`);
  }
  return rules as IgnoreRule[];
}

/** The reports as text: one line per charge point, one per difference. */
export function formatReports(reports: readonly ReplayReport[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    const { identity, protocol, sent, compared, answered, differences } = report;
    const verdict = differences.length === 0 ? 'clean' : `${differences.length} difference(s)`;
    lines.push(
      `${identity} (${protocol}): ${sent} sent, ${compared} answers compared, ${answered} CSMS calls answered: ${verdict}`,
    );
    for (const difference of differences) lines.push(`  ${describe(difference)}`);
  }
  return `${lines.join('\n')}\n`;
}

function describe(d: ReplayDifference): string {
  const where = `${d.action || 'connection'}${d.messageId ? ` [${d.messageId}]` : ''}`;
  const values = `recorded ${show(d.recorded)}, replayed ${show(d.replayed)}`;
  switch (d.kind) {
    case 'answer':
    case 'call':
      return `${where} ${d.kind} ${d.path === '' ? '(whole frame)' : d.path}: ${values}`;
    case 'error':
      return `${where} error code: ${values}`;
    case 'no-answer':
      return `${where}: no answer`;
    case 'missing-call':
      return `${where}: the CSMS did not make this call`;
    case 'unexpected-call':
      return `${where}: the CSMS made a call the trace does not have: ${show(d.replayed)}`;
    case 'connection':
      return `connection: ${show(d.replayed)}`;
  }
}

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}
