/** `ocppkit test csms <url>` and `ocppkit test charge-point --port N`: the conformance kit from the command line. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  CONFORMANCE_PROTOCOLS,
  junitReport,
  markdownReport,
  progressReporter,
  type RunResult,
  summaryTable,
  testChargePoint,
  testCsms,
} from '../../conformance/index.ts';
import type { Subprotocol } from '../../protocol.ts';

export const TEST_USAGE = `  test csms <url>       Run the conformance cases against a CSMS (ocppkit plays a charge point)
    --protocol <p>      ${CONFORMANCE_PROTOCOLS.join('|')} (required)
    --identity <id>     Identity to connect as (default OCPPKIT-CONFORMANCE)
    --password <p>      Password for HTTP Basic authentication (security profiles 1 and 2)
  test charge-point     Run the conformance cases against a charge point (ocppkit plays the CSMS)
    --port <n>          Port to listen on (default 9000); connect the charge point to ws://host:port/<identity>
    --host <address>    Address to bind (default 127.0.0.1)
    --protocol <p>      ${CONFORMANCE_PROTOCOLS.join('|')} (required)
    --connect-timeout <ms>  Wait for the charge point to connect and boot (default 60000)
  test options (both sides)
    --only <ids>        Only these cases: ids, id prefixes or use case ids, comma-separated (CSMS-E,CP-B-01,E02)
    --timeout <ms>      Longest wait for any answer or message of the peer (default 10000)
    --bail              Stop at the first failed case (the rest are reported skipped)
    --id-tag <tag>      Id tag / id token the kit presents (default OCPPKIT-TAG-1)
    --junit <file>      Write a JUnit XML report
    --report <file>     Write a Markdown report (failed cases with their frames and the rules broken)
  Exit code 0 only when every selected case passes.
`;

/** A mistake in the command line. */
export class TestUsageError extends Error {}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new TestUsageError(`invalid ${name} ${value}`);
  return n;
}

/** Runs `ocppkit test …`; returns the exit code. */
export async function testCommand(
  args: string[],
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      protocol: { type: 'string' },
      identity: { type: 'string' },
      password: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'connect-timeout': { type: 'string' },
      only: { type: 'string' },
      timeout: { type: 'string' },
      'id-tag': { type: 'string' },
      bail: { type: 'boolean' },
      junit: { type: 'string' },
      report: { type: 'string' },
    },
  });
  const [side, url] = positionals;
  const protocol = values.protocol;
  if (protocol === undefined || !(CONFORMANCE_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new TestUsageError(`test needs --protocol ${CONFORMANCE_PROTOCOLS.join('|')}`);
  }
  const progress = progressReporter(out);
  const common = {
    protocol: protocol as Subprotocol,
    timeout: positiveInteger('timeout', values.timeout, 10_000),
    ...(values.only === undefined
      ? {}
      : {
          only: values.only
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }),
    ...(values['id-tag'] === undefined ? {} : { idTag: values['id-tag'] }),
    bail: values.bail === true,
    onCaseStart: progress.onCaseStart,
    onCaseEnd: progress.onCaseEnd,
  };
  let run: RunResult;
  try {
    if (side === 'csms') {
      if (url === undefined)
        throw new TestUsageError(
          'test csms needs the CSMS URL, e.g. ocppkit test csms ws://localhost:9000 --protocol ocpp1.6',
        );
      out.write(`ocppkit test: CSMS at ${url}, ${protocol}\n`);
      run = await testCsms({
        ...common,
        url,
        ...(values.identity === undefined ? {} : { identity: values.identity }),
        ...(values.password === undefined ? {} : { password: values.password }),
      });
    } else if (side === 'charge-point') {
      run = await testChargePoint({
        ...common,
        port: positiveInteger('port', values.port, 9000),
        ...(values.host === undefined ? {} : { host: values.host }),
        connectTimeout: positiveInteger('connect-timeout', values['connect-timeout'], 60_000),
        onListening: (listening) =>
          out.write(`ocppkit test: waiting for a ${protocol} charge point at ${listening}/<identity>\n`),
      });
    } else {
      throw new TestUsageError(
        side === undefined ? 'test needs a side: csms or charge-point' : `unknown side ${side}: csms or charge-point`,
      );
    }
  } catch (error) {
    if (error instanceof TestUsageError) throw error;
    if (error instanceof RangeError) throw new TestUsageError(error.message);
    // the run could not start (the port is taken, …): no case ran, so none passed
    process.stderr.write(`ocppkit test: ${(error as Error).message}\n`);
    return 1;
  }
  progress.done();
  if (values.junit !== undefined) writeFileSync(values.junit, junitReport(run));
  if (values.report !== undefined) writeFileSync(values.report, markdownReport(run));
  out.write(
    `\n${summaryTable(run)}\n\n${run.results.length} cases in ${(run.durationMs / 1000).toFixed(1)} s: ${run.passed ? 'all passed' : 'FAILED'}\n`,
  );
  return run.passed ? 0 : 1;
}
