/**
 * `ocppkit simulate <url>`: N virtual charge points, each on its own `Client`, through a realistic session of its
 * version (boot, status, heartbeat, authorize, transactions with meter values, a data transfer), answering what the
 * CSMS sends (remote start/stop, reset, configuration or variables, trigger message, charging profiles). Live
 * progress on the terminal, a summary table at the end.
 */
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { formatSummary } from './report.ts';
import { simulate, skipProblem } from './scenario.ts';

export const SIMULATE_USAGE = `  simulate <url>        Run virtual charge points against a CSMS, print live progress and a summary
    --protocol <p>      ocpp1.6, ocpp2.0.1 or ocpp2.1 (default ocpp1.6)
    --count <n>         Charge points (default 10), identities <prefix>001, <prefix>002, …
    --duration <s>      Seconds the scenario runs (default 30)
    --prefix <text>     Identity prefix (default SIM-)
    --interval <s>      Seconds between meter values (default 1)
    --skip <actions>    Actions never sent, comma-separated, for a CSMS without them (e.g. DataTransfer)
    --password <p>      Basic auth password for every charge point
    --ca <file>         CA certificate (PEM) for a wss:// CSMS
    --help, -h          Show the usage of simulate
    A Pending boot is retried after the interval the CSMS gives; a Rejected one stops that charge point.
    An action the CSMS answers NotImplemented or NotSupported is not sent again, and fails the run.
    Exit status: 0 when every charge point connected, was accepted and no call failed; 1 otherwise;
    2 for a usage error.
`;

/** `ocppkit simulate --help`. */
const SIMULATE_HELP = `Usage: ocppkit simulate <url> [options]\n\n${SIMULATE_USAGE}`;

export class SimulateUsageError extends Error {}

/**
 * `ocppkit simulate …`: exit code 0 when every charge point connected, its BootNotification was accepted and
 * nothing failed, else 1. `--help` prints the usage (exit code 0).
 */
export async function simulateCommand(args: string[], output: Writable = process.stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      protocol: { type: 'string', default: 'ocpp1.6' },
      count: { type: 'string', default: '10' },
      duration: { type: 'string', default: '30' },
      prefix: { type: 'string', default: 'SIM-' },
      interval: { type: 'string', default: '1' },
      skip: { type: 'string', multiple: true },
      password: { type: 'string' },
      ca: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    output.write(SIMULATE_HELP);
    return 0;
  }
  const url = positionals[0];
  if (!url) throw new SimulateUsageError('simulate needs a URL, e.g. ocppkit simulate ws://localhost:9000');
  if (!/^wss?:\/\//.test(url)) throw new SimulateUsageError(`not a ws:// or wss:// URL: ${url}`);
  const protocol = values.protocol;
  if (protocol !== 'ocpp1.6' && protocol !== 'ocpp2.0.1' && protocol !== 'ocpp2.1') {
    throw new SimulateUsageError(`unknown subprotocol ${protocol}`);
  }
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new SimulateUsageError(`invalid count ${values.count}`);
  const duration = Number(values.duration);
  if (!(duration > 0)) throw new SimulateUsageError(`invalid duration ${values.duration}`);
  const interval = Number(values.interval);
  if (!(interval > 0)) throw new SimulateUsageError(`invalid interval ${values.interval}`);
  const skip = (values.skip ?? [])
    .flatMap((list) => list.split(','))
    .map((action) => action.trim())
    .filter(Boolean);
  const problem = skipProblem(protocol, skip);
  if (problem !== undefined) throw new SimulateUsageError(`--skip: ${problem}`);
  let ca: Buffer | undefined;
  if (values.ca !== undefined) {
    const { readFileSync } = await import('node:fs');
    ca = readFileSync(values.ca);
  }
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    const summary = await simulate({
      url,
      protocol,
      count,
      duration: duration * 1000,
      prefix: values.prefix,
      meterInterval: interval * 1000,
      skip,
      ...(values.password === undefined ? {} : { password: values.password }),
      ...(ca === undefined ? {} : { client: { tls: { ca } } }),
      output,
      signal: controller.signal,
    });
    output.write(formatSummary(summary, url));
    const failed =
      summary.total.errors > 0 ||
      Object.keys(summary.errors).length > 0 ||
      summary.connected < count ||
      summary.accepted < count;
    return failed ? 1 : 0;
  } finally {
    process.off('SIGINT', interrupt);
  }
}
