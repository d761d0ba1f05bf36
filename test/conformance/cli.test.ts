/**
 * `ocppkit test` as users run it: real processes. The README's command passes the demo CSMS (`ocppkit serve`) on
 * every version and JUnit counts the cases; a fault makes it exit 1 with a report of the frames and the rule;
 * the charge-point side passes the reference charge point; mistakes on the command line exit 2.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_PROTOCOLS, conformanceCases, startReferenceChargePoint } from '../../src/conformance/index.ts';
import { type Child, freePort, runCommand, runTs, START_TIMEOUT, startServerProcess } from '../integration/process.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';

const out = mkdtempSync(join(tmpdir(), 'ocppkit-test-'));
const test = (...args: string[]) => runTs('src/cli/bin.ts', ['test', ...args]);

describe('ocppkit test csms against ocppkit serve', () => {
  let serve: { child: Child; port: number };
  beforeAll(async () => {
    serve = await startServerProcess('src/cli/bin.ts', ['serve', '--port', '0', '--host', '127.0.0.1']);
  }, START_TIMEOUT);
  afterAll(() => serve?.child.kill());

  it('passes every version with exit code 0, one JUnit testcase per case', async () => {
    for (const protocol of CONFORMANCE_PROTOCOLS) {
      const junit = join(out, `${protocol}.xml`);
      const args = [
        'csms',
        `ws://127.0.0.1:${serve.port}`,
        '--protocol',
        protocol,
        '--junit',
        junit,
        '--report',
        join(out, `${protocol}.md`),
      ];
      // in a clone the README's command runs through npm: one version is run that way
      const child =
        protocol === 'ocpp2.0.1' ? runCommand('npm', ['run', '-s', 'ocppkit', '--', 'test', ...args]) : test(...args);
      const { code } = await child.exited;
      expect(child.output).toMatch(/cases in [\d.]+ s: all passed/);
      expect(code).toBe(0);
      const xml = readFileSync(junit, 'utf8');
      expect(xml.match(/<testcase /g)?.length).toBe(conformanceCases('csms', protocol).length);
      expect(xml).toContain('failures="0"');
      expect(child.output).toMatch(/\| Total +\| +\d+ \| +0 \| +0 \|/);
    }
  }, 60_000);

  it('exits 1 on a fault, with a Markdown report of the frames and the rule broken', async () => {
    let proxy: FaultProxy | undefined;
    try {
      proxy = await startFaultProxy(`ws://127.0.0.1:${serve.port}`, 'wrong-enum', (action) => action === 'Authorize');
      const report = join(out, 'fault.md');
      const child = test(
        'csms',
        proxy.url,
        '--protocol',
        'ocpp2.0.1',
        '--only',
        'CSMS-C',
        '--report',
        report,
        '--timeout',
        '2000',
      );
      const { code } = await child.exited;
      expect(code).toBe(1);
      expect(child.output).toContain('FAIL CSMS-C-01');
      const md = readFileSync(report, 'utf8');
      expect(md).toContain(
        '## CSMS-C-01: Authorize of an RFID token (ISO14443) is answered with an authorization status',
      );
      expect(md).toMatch(
        /- the Authorize response breaks its schema: \/idTokenInfo\/status is not one of .*\(ocpp2\.0\.1 JSON schema AuthorizeResponse\)/,
      );
      expect(md).toMatch(/ms < \[3,"kit-\d+",\{"idTokenInfo":\{"status":"PlantedBogusValue"\}\}\]/);
    } finally {
      await proxy?.close();
    }
  }, 30_000);
});

describe('ocppkit test charge-point', () => {
  it('passes the reference charge point, exit code 0', async () => {
    const port = await freePort();
    const child = test('charge-point', '--port', String(port), '--protocol', 'ocpp1.6', '--junit', join(out, 'cp.xml'));
    await child.waitFor(/waiting for a ocpp1\.6 charge point at ws:\/\/127\.0\.0\.1:\d+\/<identity>/, START_TIMEOUT);
    const cp = await startReferenceChargePoint({ url: `ws://127.0.0.1:${port}`, protocol: 'ocpp1.6' });
    try {
      const { code } = await child.exited;
      expect(child.output).toMatch(/cases in [\d.]+ s: all passed/);
      expect(code).toBe(0);
      expect(readFileSync(join(out, 'cp.xml'), 'utf8').match(/<testcase /g)?.length).toBe(
        conformanceCases('charge-point', 'ocpp1.6').length,
      );
    } finally {
      await cp.stop();
    }
  }, 60_000);
});

describe('mistakes on the command line', () => {
  const mistakes: [string[], RegExp][] = [
    [['csms', 'ws://127.0.0.1:1'], /test needs --protocol/],
    [['csms', 'ws://127.0.0.1:1', '--protocol', 'ocpp1.6', '--only', 'NOPE'], /--only NOPE selects none/],
    [['csms', 'ws://127.0.0.1:1', '--protocol', 'ocpp1.6', '--timeout', 'soon'], /invalid timeout soon/],
  ];
  it('each exits 2 with the reason and the usage', async () => {
    const children = mistakes.map(([args]) => test(...args));
    const codes = await Promise.all(children.map(async (child) => (await child.exited).code));
    expect(codes).toEqual(mistakes.map(() => 2));
    children.forEach((child, i) => {
      expect(child.stderr).toMatch(mistakes[i]?.[1] as RegExp);
      expect(child.stderr).toContain('test csms <url>');
    });
  }, 30_000);
});
