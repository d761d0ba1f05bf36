/**
 * The kit itself: its catalogue of cases (counts, ids, citations, the documentation lists every case), the demo
 * CSMS passing every CSMS case over real sockets, a silent peer failing every case after the stated timeout, the
 * selection of cases and the reports.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  CONFORMANCE_PROTOCOLS,
  conformanceCases,
  junitReport,
  markdownReport,
  progressReporter,
  type RunResult,
  summaryRows,
  testChargePoint,
  testCsms,
} from '../../src/conformance/index.ts';
import { createDemoCsms } from '../../src/demo/index.ts';

const MINIMUM = {
  csms: { 'ocpp1.6': 25, 'ocpp2.0.1': 30, 'ocpp2.1': 30 },
  'charge-point': { 'ocpp1.6': 20, 'ocpp2.0.1': 20, 'ocpp2.1': 20 },
} as const;
const SIDES = ['csms', 'charge-point'] as const;

describe('the catalogue of cases', () => {
  const docs = readFileSync(new URL('../../docs/conformance.md', import.meta.url), 'utf8');
  for (const side of SIDES) {
    for (const protocol of CONFORMANCE_PROTOCOLS) {
      it(`${side}, ${protocol}: at least ${MINIMUM[side][protocol]} cases, unique ids, each with a block, a use case and steps`, () => {
        const cases = conformanceCases(side, protocol);
        expect(cases.length).toBeGreaterThanOrEqual(MINIMUM[side][protocol]);
        expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
        for (const c of cases) {
          expect(c.id).toMatch(side === 'csms' ? /^CSMS-[A-Z]+-\d\d$/ : /^CP-[A-Z]+-\d\d$/);
          expect(c.block.length).toBeGreaterThan(0);
          expect(c.useCase).toMatch(/^([A-S]\d\d|\d+\.\d+|OCPP-J \d(\.\d)+)$/);
          for (const requirement of c.requirements ?? []) expect(requirement).toMatch(/^[A-S]\d\d\.FR\.\d\d$/);
          expect(c.steps.length).toBeGreaterThan(0);
        }
      });

      it(`${side}, ${protocol}: docs/conformance.md lists every case with its use case`, () => {
        for (const c of conformanceCases(side, protocol))
          expect(docs).toMatch(new RegExp(`\\| ${c.id} \\| ${c.useCase.replace('.', '\\.')} \\|`));
      });
    }
  }

  it('the 2.x cases of both sides cover the functional blocks A to P', () => {
    const blocks = new Set(
      [...conformanceCases('csms', 'ocpp2.0.1'), ...conformanceCases('charge-point', 'ocpp2.0.1')].map(
        (c) => c.block[0],
      ),
    );
    for (const block of 'ABCDEFGHJKLMNOP') expect(blocks).toContain(block);
  });
});

describe('against the demo CSMS over real sockets', () => {
  let demo: ReturnType<typeof createDemoCsms>['server'];
  let url: string;
  beforeAll(async () => {
    demo = createDemoCsms({ port: 0, host: '127.0.0.1' }).server;
    url = `ws://127.0.0.1:${(await demo.listen()).port}`;
  });
  afterAll(() => demo.close());

  it.each(CONFORMANCE_PROTOCOLS)('%s: every CSMS case passes, each with its frames', async (protocol) => {
    const run = await testCsms({ protocol, url, holdMs: 20 });
    expect(run.results.filter((r) => r.verdict !== 'passed').map((r) => `${r.id}: ${r.problems[0]?.rule}`)).toEqual([]);
    expect(run.results.length).toBe(conformanceCases('csms', protocol).length);
    for (const r of run.results) expect(r.frames.length).toBeGreaterThan(0);
  });

  it('--only picks cases by id, id prefix or use case; one that picks none is refused', async () => {
    const run = await testCsms({ protocol: 'ocpp2.0.1', url, only: ['CSMS-E', 'G02', 'CSMS-P-01'] });
    expect(run.results.map((r) => r.id)).toEqual([
      'CSMS-E-01',
      'CSMS-E-02',
      'CSMS-E-03',
      'CSMS-E-04',
      'CSMS-E-05',
      'CSMS-E-06',
      'CSMS-G-06',
      'CSMS-P-01',
    ]);
    await expect(testCsms({ protocol: 'ocpp2.0.1', url, only: ['NOPE'] })).rejects.toThrow(/selects none/);
  });
});

describe('a peer that never answers', () => {
  let server: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => [...p][0] ?? false });
    await new Promise((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('fails each case after the timeout it states, and never hangs', async () => {
    const started = Date.now();
    const run = await testCsms({
      protocol: 'ocpp1.6',
      url,
      timeout: 150,
      only: ['CSMS-CORE-01', 'CSMS-CORE-03', 'CSMS-FW-01'],
    });
    expect(run.results.map((r) => r.verdict)).toEqual(['failed', 'failed', 'failed']);
    expect(run.results[0]?.problems[0]?.rule).toBe(
      "no answer to the kit's BootNotification within the case's timeout of 150 ms",
    );
    expect(run.results[1]?.problems[0]?.rule).toMatch(
      /BootNotification was not accepted \(no answer within the timeout of 150 ms\)/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('the charge-point side cannot listen on a port that is taken: the run rejects with the reason', async () => {
    const port = (server.address() as AddressInfo).port;
    await expect(testChargePoint({ protocol: 'ocpp1.6', port, connectTimeout: 100 })).rejects.toThrow(/EADDRINUSE/);
  });

  it('a CSMS that cannot be reached: the first case fails with the reason, the others at once', async () => {
    const run = await testCsms({
      protocol: 'ocpp1.6',
      url: 'ws://127.0.0.1:1',
      timeout: 500,
      only: ['CSMS-CORE-03', 'CSMS-CORE-04', 'CSMS-CORE-05'],
    });
    expect(run.results.map((r) => r.verdict)).toEqual(['failed', 'failed', 'failed']);
    expect(run.results[0]?.problems[0]?.rule).toMatch(/^could not connect: .*ECONNREFUSED/);
    expect(run.results[2]?.problems[0]?.rule).toMatch(/^not run: the kit could not connect \(.*ECONNREFUSED/);
  });

  it('a charge point that never connects: the first case waits the connect timeout, the others fail at once', async () => {
    const started = Date.now();
    const run = await testChargePoint({
      protocol: 'ocpp2.0.1',
      port: 0,
      connectTimeout: 200,
      only: ['CP-B-01', 'CP-B-02', 'CP-B-03'],
    });
    expect(run.results.map((r) => r.problems[0]?.rule)).toEqual([
      'no charge point connected and sent a BootNotification within 200 ms',
      'not run: no charge point is connected (see the first failed case)',
      'not run: no charge point is connected (see the first failed case)',
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('reports', () => {
  const run: RunResult = {
    side: 'csms',
    protocol: 'ocpp1.6',
    durationMs: 1234,
    passed: false,
    results: [
      {
        id: 'CSMS-CORE-03',
        title: 'Heartbeat <answered> & "timed"',
        block: 'Core',
        useCase: '4.6',
        requirements: [],
        verdict: 'passed',
        problems: [],
        frames: [],
        durationMs: 5,
      },
      {
        id: 'CSMS-CORE-04',
        title: 'Two Heartbeats',
        block: 'Core',
        useCase: '4.6',
        requirements: ['X01.FR.01'],
        verdict: 'failed',
        problems: [
          {
            rule: 'the Heartbeat response breaks its schema: /currentTime fails "type"',
            requirement: 'ocpp1.6 JSON schema HeartbeatResponse',
          },
        ],
        frames: [
          { at: 0, direction: 'sent', text: '[2,"kit-1","Heartbeat",{}]' },
          { at: 3, direction: 'received', text: '[3,"kit-1",{"currentTime":12345}]' },
        ],
        durationMs: 7,
      },
      {
        id: 'CSMS-FW-01',
        title: 'Firmware',
        block: 'Firmware management',
        useCase: '4.5',
        requirements: [],
        verdict: 'skipped',
        problems: [],
        frames: [],
        durationMs: 0,
        skipReason: 'bail',
      },
    ],
  };

  it('JUnit: one testcase per case, escaped, a failure with the rule and the frames, a skipped element', () => {
    const xml = junitReport(run);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain('tests="3" failures="1" skipped="1"');
    expect(xml).toContain('name="CSMS-CORE-03 Heartbeat &lt;answered&gt; &amp; &quot;timed&quot;"');
    expect(xml).toContain(
      '<failure message="the Heartbeat response breaks its schema: /currentTime fails &quot;type&quot; [ocpp1.6 JSON schema HeartbeatResponse]">',
    );
    expect(xml).toContain('3ms &lt; [3,&quot;kit-1&quot;,{&quot;currentTime&quot;:12345}]');
    expect(xml).toContain('<skipped message="bail"/>');
  });

  it('Markdown: the summary, then each failure with its rule and frames', () => {
    const md = markdownReport(run);
    expect(md).toContain('| Core                |      1 |      1 |       0 |');
    expect(md).toContain('| Total               |      1 |      1 |       1 |');
    expect(md).toContain('## CSMS-CORE-04: Two Heartbeats');
    expect(md).toContain(
      '- the Heartbeat response breaks its schema: /currentTime fails "type" (ocpp1.6 JSON schema HeartbeatResponse)',
    );
    expect(md).toContain('     3 ms < [3,"kit-1",{"currentTime":12345}]');
    expect(md).not.toContain('## CSMS-CORE-03');
    expect(summaryRows(run.results)).toEqual([
      { block: 'Core', passed: 1, failed: 1, skipped: 0 },
      { block: 'Firmware management', passed: 0, failed: 0, skipped: 1 },
    ]);
  });

  it('progress: one line rewritten on a TTY; otherwise periodic lines and one per failure', () => {
    const written = (isTTY: boolean) => {
      const out: string[] = [];
      const progress = progressReporter({ isTTY, write: (t: string) => out.push(t) }, 0);
      const [passed, failed] = run.results as [RunResult['results'][0], RunResult['results'][0]];
      const asCase = { id: passed.id, title: passed.title, block: passed.block, useCase: passed.useCase, steps: [] };
      progress.onCaseStart(asCase, 0, 2);
      progress.onCaseEnd(passed, 0, 2);
      progress.onCaseEnd(failed, 1, 2);
      progress.done();
      return out.join('');
    };
    const tty = written(true);
    expect(tty).toContain('\r\x1b[K[0/2] 0 passed, 0 failed · CSMS-CORE-03');
    expect(tty).toContain('FAIL CSMS-CORE-04 Two Heartbeats: the Heartbeat response breaks its schema');
    expect(tty).not.toMatch(/\n\[/);
    const plain = written(false);
    expect(plain).not.toContain('\r');
    expect(plain).toContain('[1/2] 1 passed, 0 failed \n');
    expect(plain).toContain('[2/2] 1 passed, 1 failed \n');
  });
});
