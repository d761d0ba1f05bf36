/**
 * `ocppkit serve --metrics <port> --record <dir>` as users run it: a simulated session against the demo CSMS, then
 * a scrape of `/metrics` on 127.0.0.1 read with a Prometheus text-format parser, and the session in the trace.
 * Real processes, real sockets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, describe, expect, it } from 'vitest';
import { servePrometheus } from '../../src/observability/index.ts';
import { readTrace } from '../../src/testing.ts';
import { runTs, START_TIMEOUT, startServerProcess } from '../integration/process.ts';
import { within } from '../server/helpers.ts';

/** GET `url`: the status and the body. */
function get(url: string): Promise<{ status: number; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      request(url, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
        .on('error', reject)
        .end();
    }),
    5000,
    `GET ${url}`,
  );
}

describe('serve --metrics --record', () => {
  const children: { kill(): unknown }[] = [];
  const traceDir = mkdtempSync(join(tmpdir(), 'ocppkit-serve-record-'));
  afterAll(() => {
    for (const child of children) child.kill();
    rmSync(traceDir, { recursive: true, force: true });
  });

  it('serves the CALLs of a simulated session in the Prometheus text format, and records them', async () => {
    const { child, port } = await startServerProcess('src/cli/bin.ts', [
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--metrics',
      '0',
      '--record',
      traceDir,
    ]);
    children.push(child.process);
    const metricsUrl = (await child.waitFor(/url=(http:\/\/127\.0\.0\.1:\d+\/metrics)/, START_TIMEOUT))[1] as string;
    const simulate = runTs('src/cli/bin.ts', ['simulate', `ws://127.0.0.1:${port}`, '--count', '2', '--duration', '1']);
    children.push(simulate.process);
    expect(await within(simulate.exited, START_TIMEOUT + 10_000, 'simulate exits')).toEqual({ code: 0, signal: null });

    const { status, body } = await get(metricsUrl);
    expect(status).toBe(200);
    const families = parsePrometheusTextFormat(body);
    const calls = families.find((family) => family.name === 'ocpp_calls_total');
    expect(calls?.type).toBe('COUNTER');
    const boots = calls?.metrics.find(
      (sample) =>
        sample.labels?.action === 'BootNotification' &&
        sample.labels.direction === 'in' &&
        sample.labels.outcome === 'result' &&
        sample.labels.protocol === 'ocpp1.6',
    );
    expect(Number(boots?.value)).toBe(2);
    const handling = families.find((family) => family.name === 'ocpp_call_handling_duration');
    expect(handling?.type).toBe('HISTOGRAM');
    // This parser folds the samples of a labelled histogram into one set of buckets: their bounds are what it keeps.
    expect(Object.keys(handling?.metrics[0]?.buckets ?? {})).toEqual(expect.arrayContaining(['0.001', '30', '+Inf']));
    expect(body).toMatch(/^ocpp_call_handling_duration_count\{action="BootNotification",[^}]*\} 2$/m);
    const closes = families.find((family) => family.name === 'ocpp_connection_closes_total');
    expect(closes?.metrics.map((sample) => sample.labels)).toContainEqual(
      expect.objectContaining({ protocol: 'ocpp1.6', code: '1000' }),
    );
    expect(Number(families.find((family) => family.name === 'ocpp_connections')?.metrics[0]?.value)).toBe(0);

    // stopped with SIGTERM, the recording is complete on disk
    child.process.kill('SIGTERM');
    expect(await within(child.exited, 10_000, 'serve exits')).toEqual({ code: 0, signal: null });
    const records = readTrace(traceDir);
    expect(new Set(records.map((record) => record.identity))).toEqual(new Set(['SIM-001', 'SIM-002']));
    const recordedBoots = records.filter(
      (record) => record.direction === 'in' && (record.frame as unknown[])[2] === 'BootNotification',
    );
    expect(recordedBoots).toHaveLength(2);
  }, 90_000);

  it('ocppkit replay refuses a command line it cannot run, with the usage and exit status 2', async () => {
    const usage = [[], ['trace.jsonl'], ['trace.jsonl', '--csms', 'ws://x', '--ignore', 'Authorize:']];
    for (const args of [...usage, ['no-such-trace.jsonl', '--csms', 'ws://127.0.0.1:1']]) {
      const cli = runTs('src/cli/bin.ts', ['replay', ...args]);
      expect(await within(cli.exited, START_TIMEOUT, `replay ${args.join(' ')}`)).toEqual({ code: 2, signal: null });
      expect(cli.stderr).toContain('Usage: ocppkit');
    }
  }, 90_000);

  it('answers only /metrics, on 127.0.0.1 unless told otherwise', async () => {
    const endpoint = await servePrometheus({ port: 0 });
    try {
      expect(endpoint.url).toBe(`http://127.0.0.1:${endpoint.port}/metrics`);
      expect((await get(endpoint.url)).status).toBe(200);
      expect((await get(`http://127.0.0.1:${endpoint.port}/other`)).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });
});
