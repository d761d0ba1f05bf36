/**
 * What a simulation measures and how it is shown: the counters, latency percentiles, the progress line and the
 * summary table.
 */
import { CallError } from '../../errors.ts';
import type { Subprotocol } from '../../protocol.ts';

export interface ActionStats {
  action: string;
  calls: number;
  errors: number;
  /** Latency percentiles of the successful calls, in ms. */
  p50: number;
  p95: number;
  p99: number;
}

export interface SimulationSummary {
  protocol: Subprotocol;
  count: number;
  /** Wall time of the whole run, in ms. */
  elapsed: number;
  /** Calls the charge points made, per action. */
  calls: ActionStats[];
  total: ActionStats;
  /** Errors by code: the OCPP error code of a CALLERROR, else the error's name (`CallTimeoutError`, …). */
  errors: Record<string, number>;
  /** Calls of the CSMS the charge points answered, per action. */
  answered: Record<string, number>;
  /** Charge points that connected at least once. */
  connected: number;
  reconnects: number;
  transactions: number;
  /** Charge points whose last BootNotification was Accepted. */
  accepted: number;
  /** Charge points whose last BootNotification was Rejected: each stopped its session there. */
  rejected: number;
  /** Charge points still Pending when the run ended: they never got further than the BootNotification. */
  pending: number;
  /** Actions left out on request (`skip`), never sent. */
  skipped: string[];
  /** Actions the CSMS answered with NotImplemented or NotSupported (the code), sent no more after that. */
  unsupported: Record<string, string>;
}

/** The error codes by which a CSMS says it lacks an action. */
const UNSUPPORTED = new Set(['NotImplemented', 'NotSupported']);

/** The counters of a run, shared by its charge points. */
export class Stats {
  readonly latencies = new Map<string, number[]>();
  readonly failures = new Map<string, number>();
  readonly errors = new Map<string, number>();
  readonly answered = new Map<string, number>();
  /** Actions the CSMS does not support, with the error code it answered. */
  readonly unsupported = new Map<string, string>();
  calls = 0;
  errorCount = 0;
  connected = 0;
  online = 0;
  reconnects = 0;
  transactions = 0;

  ok(action: string, ms: number): void {
    this.calls++;
    const list = this.latencies.get(action);
    if (list === undefined) this.latencies.set(action, [ms]);
    else list.push(ms);
  }

  failed(action: string, error: unknown): void {
    this.calls++;
    this.failures.set(action, (this.failures.get(action) ?? 0) + 1);
    const code = codeOf(error);
    this.error(code);
    if (error instanceof CallError && UNSUPPORTED.has(code) && !this.unsupported.has(action)) {
      this.unsupported.set(action, code);
    }
  }

  error(code: string): void {
    this.errorCount++;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  answer(action: string): void {
    this.answered.set(action, (this.answered.get(action) ?? 0) + 1);
  }
}

function codeOf(error: unknown): string {
  if (error instanceof CallError) return error.code;
  if (error instanceof Error) return error.name;
  return 'Error';
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The calls of one action: how many, how many failed, the latency percentiles of the others. */
export function actionStats(action: string, latencies: number[], errors: number): ActionStats {
  const sorted = latencies.slice().sort((a, b) => a - b);
  return {
    action,
    calls: latencies.length + errors,
    errors,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/** One line of progress: elapsed time, connections, calls and their rate, errors, reconnects, transactions. */
export function progressLine(stats: Stats, count: number, elapsed: number): string {
  const seconds = elapsed / 1000;
  const rate = seconds > 0 ? Math.round(stats.calls / seconds) : 0;
  return (
    `${seconds.toFixed(1).padStart(6)} s  connected ${stats.online}/${count}  calls ${stats.calls} (${rate}/s)` +
    `  errors ${stats.errorCount}  reconnects ${stats.reconnects}  transactions ${stats.transactions}`
  );
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const ms = (value: number) => value.toFixed(1);

/**
 * The summary as text: calls per action with latency percentiles, errors by code, the actions the CSMS does not
 * support, answered calls, connections, how the boots were answered, the actions left out.
 */
export function formatSummary(summary: SimulationSummary, url: string): string {
  const out: string[] = [];
  out.push(
    `ocppkit simulate: ${summary.count} charge points, ${summary.protocol}, ${(summary.elapsed / 1000).toFixed(1)} s, ${url}`,
    '',
  );
  const row = (s: ActionStats) => [s.action, String(s.calls), String(s.errors), ms(s.p50), ms(s.p95), ms(s.p99)];
  out.push(
    table(['action', 'calls', 'errors', 'p50 ms', 'p95 ms', 'p99 ms'], [...summary.calls.map(row), row(summary.total)]),
    '',
  );
  const errors = Object.entries(summary.errors).sort((a, b) => b[1] - a[1]);
  out.push(
    errors.length === 0
      ? 'errors: none'
      : table(
          ['error', 'count'],
          errors.map(([code, n]) => [code, String(n)]),
        ),
  );
  const unsupported = Object.entries(summary.unsupported).sort((a, b) => a[0].localeCompare(b[0]));
  if (unsupported.length > 0) {
    out.push(
      `not supported by the CSMS: ${unsupported.map(([action, code]) => `${action} (${code})`).join(', ')};` +
        ` sent no more, leave out with --skip ${unsupported.map(([action]) => action).join(',')}`,
    );
  }
  const answered = Object.entries(summary.answered).sort((a, b) => a[0].localeCompare(b[0]));
  out.push(
    answered.length === 0
      ? 'CSMS calls answered: none'
      : `CSMS calls answered: ${answered.map(([action, n]) => `${action} ${n}`).join(', ')}`,
  );
  out.push(
    `connected: ${summary.connected}/${summary.count}  reconnects: ${summary.reconnects}  transactions: ${summary.transactions}`,
    `boot accepted: ${summary.accepted}/${summary.count}  rejected: ${summary.rejected}  pending: ${summary.pending}`,
  );
  if (summary.rejected > 0) out.push('rejected charge points stopped after their BootNotification');
  if (summary.skipped.length > 0) out.push(`skipped: ${summary.skipped.join(', ')}`);
  out.push('');
  return out.join('\n');
}
