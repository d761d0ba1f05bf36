/** `ocppkit simulate`: against `ocppkit serve` per version, and answering what a CSMS sends. */
import { type ChildProcess, spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SimulateUsageError, simulateCommand } from '../../src/cli/simulate/command.ts';
import { formatSummary, percentile, type SimulationSummary } from '../../src/cli/simulate/report.ts';
import { simulate } from '../../src/cli/simulate/scenario.ts';
import type { Subprotocol } from '../../src/protocol.ts';
import type { ProtocolClasses } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { startServer, until } from './helpers.ts';

const BIN = ['--import', 'tsx', 'src/cli/bin.ts'];

function run(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [...BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return { child, stdout: () => out, stderr: () => err };
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('ocppkit simulate against ocppkit serve', () => {
  let serve: ReturnType<typeof run>;
  let url = '';

  beforeAll(async () => {
    serve = run(['serve', '--port', '0', '--host', '127.0.0.1', '--log-level', 'info']);
    await until(() => /listening.*port=(\d+)/.test(serve.stderr()), 20_000, 'ocppkit serve to listen');
    url = `ws://127.0.0.1:${/listening.*port=(\d+)/.exec(serve.stderr())?.[1]}`;
  }, 30_000);

  afterAll(async () => {
    const exited = exitCode(serve.child);
    serve.child.kill('SIGINT');
    await exited;
  });

  test.each(['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'])(
    '%s: a full session per charge point, a summary with zero errors, exit code 0',
    async (protocol) => {
      const sim = run([
        'simulate',
        url,
        '--protocol',
        protocol,
        '--count',
        '5',
        '--duration',
        '2',
        '--interval',
        '0.2',
      ]);
      const code = await exitCode(sim.child);
      const out = sim.stdout();
      expect(sim.stderr()).toBe('');
      expect(code).toBe(0);
      expect(out).toContain(`ocppkit simulate: 5 charge points, ${protocol}`);
      expect(out).toMatch(/^action +calls +errors +p50 ms +p95 ms +p99 ms$/m);
      expect(out).toMatch(/^total +\d+ +0 +[\d.]+ +[\d.]+ +[\d.]+$/m);
      expect(out).toContain('errors: none');
      expect(out).toMatch(/^connected: 5\/5 {2}reconnects: 0 {2}transactions: \d+$/m);
      const expected =
        protocol === 'ocpp1.6'
          ? ['Authorize', 'BootNotification', 'DataTransfer', 'Heartbeat', 'MeterValues', 'StartTransaction']
          : ['Authorize', 'BootNotification', 'DataTransfer', 'Heartbeat', 'StatusNotification', 'TransactionEvent'];
      for (const action of expected) expect(out).toMatch(new RegExp(`^${action} +[1-9]\\d* +0 `, 'm'));
      // progress lines while it ran (not a terminal: one line every 2 s)
      expect(out).toMatch(/connected \d+\/5 {2}calls \d+/);
    },
    30_000,
  );

  test('usage errors exit with 2', async () => {
    const sim = run(['simulate', url, '--protocol', 'ocpp9']);
    expect(await exitCode(sim.child)).toBe(2);
    expect(sim.stderr()).toContain('ocppkit: unknown subprotocol ocpp9');
    expect(sim.stderr()).toContain('simulate <url>');
  }, 30_000);
});

/** Transaction ids by id tag, as a CSMS learns them. */
type Transactions = Map<string, string>;

/**
 * A CSMS that answers what the simulator sends and, once a charge point has booted, sends it the calls a CSMS
 * makes (the results land in `results`).
 */
function scriptedCsms(protocol: Subprotocol, transactions: Transactions, results: Record<string, unknown>) {
  const record = (name: string, value: Promise<unknown>) =>
    value.then(
      (r) => {
        results[name] = r;
      },
      (e: unknown) => {
        results[name] = e instanceof Error ? `${e.name}: ${e.message}` : e;
      },
    );
  const transactionOf = async (idTag: string) => {
    await until(() => transactions.has(idTag), 5000, 'the remote start');
    return transactions.get(idTag) as string;
  };
  const time = () => new Date().toISOString();
  if (protocol === 'ocpp1.6') {
    let nextId = 1;
    return class Csms16 extends v16.ChargePoint {
      booted = false;
      onBootNotification() {
        // the script runs after the first boot (the Reset it sends makes the station boot again)
        if (!this.booted) queueMicrotask(() => void this.script());
        this.booted = true;
        return { currentTime: time(), interval: 300, status: 'Accepted' as const };
      }
      onStatusNotification() {
        return {};
      }
      onHeartbeat() {
        return { currentTime: time() };
      }
      onAuthorize() {
        return { idTagInfo: { status: 'Accepted' as const } };
      }
      onStartTransaction({ idTag }: v16.StartTransactionRequest) {
        const transactionId = nextId++;
        transactions.set(idTag, String(transactionId));
        return { idTagInfo: { status: 'Accepted' as const }, transactionId };
      }
      onMeterValues() {
        return {};
      }
      onStopTransaction() {
        return {};
      }
      onDataTransfer() {
        return { status: 'UnknownVendorId' as const };
      }
      async script() {
        await record('GetConfiguration', this.call('GetConfiguration', { key: ['HeartbeatInterval', 'Nope'] }));
        await record(
          'ChangeConfiguration',
          this.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: '60' }),
        );
        await record('ChangeConfiguration unknown', this.call('ChangeConfiguration', { key: 'Nope', value: '1' }));
        await record('TriggerMessage', this.call('TriggerMessage', { requestedMessage: 'StatusNotification' }));
        await record(
          'SetChargingProfile',
          this.call('SetChargingProfile', {
            connectorId: 1,
            csChargingProfiles: {
              chargingProfileId: 1,
              stackLevel: 0,
              chargingProfilePurpose: 'TxDefaultProfile',
              chargingProfileKind: 'Absolute',
              chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
            },
          }),
        );
        await record(
          'RemoteStartTransaction',
          this.call('RemoteStartTransaction', { idTag: 'REMOTE', connectorId: 2 }),
        );
        const transactionId = Number(await transactionOf('REMOTE'));
        await record('RemoteStopTransaction', this.call('RemoteStopTransaction', { transactionId }));
        await record('Reset', this.call('Reset', { type: 'Soft' }));
      }
    };
  }
  // the messages below have the same shape in 2.0.1 and 2.1
  const Base = (protocol === 'ocpp2.0.1' ? v201.ChargePoint : v21.ChargePoint) as typeof v201.ChargePoint;
  return class Csms2 extends Base {
    booted = false;
    onBootNotification() {
      if (!this.booted) queueMicrotask(() => void this.script());
      this.booted = true;
      return { currentTime: time(), interval: 300, status: 'Accepted' as const };
    }
    onStatusNotification() {
      return {};
    }
    onHeartbeat() {
      return { currentTime: time() };
    }
    onAuthorize() {
      return { idTokenInfo: { status: 'Accepted' as const } };
    }
    onTransactionEvent({ eventType, idToken, transactionInfo }: v201.TransactionEventRequest) {
      if (eventType === 'Started' && idToken !== undefined)
        transactions.set(idToken.idToken, transactionInfo.transactionId);
      if (eventType === 'Ended') ended.add(transactionInfo.transactionId);
      return {};
    }
    onDataTransfer() {
      return { status: 'UnknownVendorId' as const };
    }
    async script() {
      const component = { name: 'OCPPCommCtrlr' };
      await record(
        'GetVariables',
        this.call('GetVariables', {
          getVariableData: [
            { component, variable: { name: 'HeartbeatInterval' } },
            { component, variable: { name: 'Nope' } },
            { component: { name: 'Nope' }, variable: { name: 'Nope' } },
          ],
        }),
      );
      await record(
        'SetVariables',
        this.call('SetVariables', {
          setVariableData: [
            { component, variable: { name: 'HeartbeatInterval' }, attributeValue: '60' },
            { component: { name: 'ChargingStation' }, variable: { name: 'Model' }, attributeValue: 'X' },
          ],
        }),
      );
      await record('TriggerMessage', this.call('TriggerMessage', { requestedMessage: 'Heartbeat' }));
      await record(
        'SetChargingProfile',
        this.call('SetChargingProfile', {
          evseId: 1,
          chargingProfile: {
            id: 1,
            stackLevel: 0,
            chargingProfilePurpose: 'TxDefaultProfile',
            chargingProfileKind: 'Absolute',
            chargingSchedule: [
              { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
            ],
          },
        }),
      );
      const start = this.call('RequestStartTransaction', {
        idToken: { idToken: 'REMOTE', type: 'ISO14443' },
        remoteStartId: 7,
        evseId: 2,
      });
      await record('RequestStartTransaction', start);
      const transactionId = await transactionOf('REMOTE');
      await record('RequestStopTransaction', this.call('RequestStopTransaction', { transactionId }));
      await record('Reset', this.call('Reset', { type: 'OnIdle' }));
    }
  };
}

/** 2.x transactions that ended. */
const ended = new Set<string>();

describe.each(['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] as const)('the simulator answers the CSMS (%s)', (protocol) => {
  test('remote start/stop, reset, configuration, trigger, charging profile', async () => {
    const transactions: Transactions = new Map();
    const results: Record<string, unknown> = {};
    const Csms = scriptedCsms(protocol, transactions, results);
    const { server, url } = await startServer({ [protocol]: Csms } as ProtocolClasses);
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    let summary: SimulationSummary;
    try {
      summary = await simulate({
        url,
        protocol,
        count: 1,
        duration: 1500,
        meterInterval: 100,
        output,
        tty: true,
      });
    } finally {
      await server.close();
    }
    expect(summary.errors).toEqual({});
    expect(summary.total.errors).toBe(0);
    expect(summary.connected).toBe(1);
    // a terminal: one line, rewritten in place (carriage return, erase line)
    expect(printed).toContain('\r\u001b[2K');
    expect(printed).toMatch(/ +[\d.]+ s {2}connected \d\/1 {2}calls/);
    if (protocol === 'ocpp1.6') {
      expect(results).toEqual({
        GetConfiguration: {
          configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }],
          unknownKey: ['Nope'],
        },
        ChangeConfiguration: { status: 'Accepted' },
        'ChangeConfiguration unknown': { status: 'NotSupported' },
        TriggerMessage: { status: 'Accepted' },
        SetChargingProfile: { status: 'Accepted' },
        RemoteStartTransaction: { status: 'Accepted' },
        RemoteStopTransaction: { status: 'Accepted' },
        Reset: { status: 'Accepted' },
      });
      expect(summary.answered).toEqual({
        GetConfiguration: 1,
        ChangeConfiguration: 2,
        TriggerMessage: 1,
        SetChargingProfile: 1,
        RemoteStartTransaction: 1,
        RemoteStopTransaction: 1,
        Reset: 1,
      });
    } else {
      const start = results.RequestStartTransaction as v201.RequestStartTransactionResponse;
      expect(results).toEqual({
        GetVariables: {
          getVariableResult: [
            {
              attributeStatus: 'Accepted',
              attributeValue: '300',
              component: { name: 'OCPPCommCtrlr' },
              variable: { name: 'HeartbeatInterval' },
            },
            { attributeStatus: 'UnknownVariable', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'Nope' } },
            { attributeStatus: 'UnknownComponent', component: { name: 'Nope' }, variable: { name: 'Nope' } },
          ],
        },
        SetVariables: {
          setVariableResult: [
            {
              attributeStatus: 'Accepted',
              component: { name: 'OCPPCommCtrlr' },
              variable: { name: 'HeartbeatInterval' },
            },
            { attributeStatus: 'Rejected', component: { name: 'ChargingStation' }, variable: { name: 'Model' } },
          ],
        },
        TriggerMessage: { status: 'Accepted' },
        SetChargingProfile: { status: 'Accepted' },
        RequestStartTransaction: { status: 'Accepted', transactionId: 'SIM-001-1' },
        RequestStopTransaction: { status: 'Accepted' },
        Reset: { status: 'Accepted' },
      });
      expect(transactions.get('REMOTE')).toBe(start.transactionId);
      expect(ended.has(start.transactionId as string)).toBe(true);
      expect(summary.answered).toMatchObject({ RequestStartTransaction: 1, RequestStopTransaction: 1, Reset: 1 });
    }
    const text = formatSummary(summary, url);
    expect(text).toContain('errors: none');
    expect(text).toContain('CSMS calls answered: ');
  }, 20_000);
});

/** How a test CSMS answers the n-th BootNotification (from 1). */
type BootAnswer = (n: number) => { status: 'Accepted' | 'Pending' | 'Rejected'; interval: number };

/**
 * A CSMS that answers every message the simulator sends, with or without DataTransfer, and records the actions it
 * received and when (`received`).
 */
function plainCsms(
  protocol: Subprotocol,
  received: { action: string; at: number }[],
  boot: BootAnswer,
  dataTransfer = true,
) {
  const got = (action: string) => received.push({ action, at: performance.now() });
  const time = () => new Date().toISOString();
  let boots = 0;
  const bootAnswer = () => ({ currentTime: time(), ...boot(++boots) });
  if (protocol === 'ocpp1.6') {
    let nextId = 1;
    class Csms16 extends v16.ChargePoint {
      onBootNotification() {
        got('BootNotification');
        return bootAnswer();
      }
      onStatusNotification() {
        got('StatusNotification');
        return {};
      }
      onHeartbeat() {
        got('Heartbeat');
        return { currentTime: time() };
      }
      onAuthorize() {
        got('Authorize');
        return { idTagInfo: { status: 'Accepted' as const } };
      }
      onStartTransaction() {
        got('StartTransaction');
        return { idTagInfo: { status: 'Accepted' as const }, transactionId: nextId++ };
      }
      onMeterValues() {
        got('MeterValues');
        return {};
      }
      onStopTransaction() {
        got('StopTransaction');
        return {};
      }
    }
    class Csms16WithDataTransfer extends Csms16 {
      onDataTransfer() {
        got('DataTransfer');
        return { status: 'UnknownVendorId' as const };
      }
    }
    return dataTransfer ? Csms16WithDataTransfer : Csms16;
  }
  const Base = (protocol === 'ocpp2.0.1' ? v201.ChargePoint : v21.ChargePoint) as typeof v201.ChargePoint;
  class Csms2 extends Base {
    onBootNotification() {
      got('BootNotification');
      return bootAnswer();
    }
    onStatusNotification() {
      got('StatusNotification');
      return {};
    }
    onHeartbeat() {
      got('Heartbeat');
      return { currentTime: time() };
    }
    onAuthorize() {
      got('Authorize');
      return { idTokenInfo: { status: 'Accepted' as const } };
    }
    onTransactionEvent() {
      got('TransactionEvent');
      return {};
    }
  }
  class Csms2WithDataTransfer extends Csms2 {
    onDataTransfer() {
      got('DataTransfer');
      return { status: 'UnknownVendorId' as const };
    }
  }
  return dataTransfer ? Csms2WithDataTransfer : Csms2;
}

const accept: BootAnswer = () => ({ status: 'Accepted', interval: 300 });

/** `ocppkit simulate …` in this process: its exit code and what it printed. */
async function command(args: string[]): Promise<{ code: number; text: string; ms: number }> {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const started = performance.now();
  const code = await simulateCommand(args, output);
  return { code, text, ms: performance.now() - started };
}

const actionsOf = (received: { action: string }[]) => received.map((r) => r.action);

describe.each(['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] as const)('a CSMS without DataTransfer (%s)', (protocol) => {
  test('the run fails and the summary names the action; with --skip DataTransfer it passes', async () => {
    const received: { action: string; at: number }[] = [];
    const { server, url } = await startServer({ [protocol]: plainCsms(protocol, received, accept, false) });
    const args = [url, '--protocol', protocol, '--count', '1', '--duration', '1', '--interval', '0.1'];
    try {
      const without = await command(args);
      expect(without.code).toBe(1);
      expect(without.text).toContain(
        'not supported by the CSMS: DataTransfer (NotSupported); sent no more, leave out with --skip DataTransfer',
      );
      // answered NotSupported once, then never sent again
      expect(without.text).toMatch(/^DataTransfer +1 +1 /m);
      expect(without.text).toMatch(/^NotSupported +1$/m);
      expect(without.text).toMatch(/^boot accepted: 1\/1 {2}rejected: 0 {2}pending: 0$/m);

      const skipped = await command([...args, '--skip', 'DataTransfer']);
      expect(skipped.code).toBe(0);
      expect(skipped.text).toContain('errors: none');
      expect(skipped.text).toContain('skipped: DataTransfer');
      expect(skipped.text).not.toMatch(/^DataTransfer /m);
      expect(skipped.text).not.toContain('not supported by the CSMS');
      expect(skipped.text).toMatch(/^Authorize +[1-9]\d* +0 /m);
    } finally {
      await server.close();
    }
  }, 20_000);
});

describe.each(['ocpp1.6', 'ocpp2.0.1'] as const)('the BootNotification answer (%s)', (protocol) => {
  test('Rejected: the charge point stops there (no Authorize), the summary counts it, exit code 1', async () => {
    const received: { action: string; at: number }[] = [];
    const { server, url } = await startServer({
      [protocol]: plainCsms(protocol, received, () => ({ status: 'Rejected', interval: 60 })),
    });
    let disconnected = 0;
    server.events.on('disconnect', () => disconnected++);
    try {
      const { code, text, ms } = await command([url, '--protocol', protocol, '--count', '2', '--duration', '5']);
      expect(code).toBe(1);
      expect(text).toMatch(/^boot accepted: 0\/2 {2}rejected: 2 {2}pending: 0$/m);
      expect(text).toContain('rejected charge points stopped after their BootNotification');
      expect(text).toContain('errors: none');
      // stopped long before the time was up: the clients closed their connections
      expect(ms).toBeLessThan(4000);
      await until(() => disconnected === 2, 5000, 'both charge points to disconnect');
    } finally {
      await server.close();
    }
    expect(actionsOf(received)).toEqual(['BootNotification', 'BootNotification']);
  }, 20_000);

  test('Pending: it waits the interval, boots again and goes on once accepted', async () => {
    const received: { action: string; at: number }[] = [];
    const boot: BootAnswer = (n) =>
      n === 1 ? { status: 'Pending', interval: 1 } : { status: 'Accepted', interval: 300 };
    const { server, url } = await startServer({ [protocol]: plainCsms(protocol, received, boot) });
    let summary: SimulationSummary;
    try {
      summary = await simulate({
        url,
        protocol,
        count: 1,
        duration: 2500,
        meterInterval: 100,
        output: new PassThrough(),
      });
    } finally {
      await server.close();
    }
    expect(summary.errors).toEqual({});
    expect([summary.accepted, summary.rejected, summary.pending]).toEqual([1, 0, 0]);
    const actions = actionsOf(received);
    // nothing but the BootNotification while Pending
    expect(actions.slice(0, 2)).toEqual(['BootNotification', 'BootNotification']);
    expect((received[1]?.at ?? 0) - (received[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(actions).toContain('Authorize');
  }, 20_000);

  test('Pending until the time is up: counted as pending, nothing else sent, exit code 1', async () => {
    const received: { action: string; at: number }[] = [];
    const { server, url } = await startServer({
      [protocol]: plainCsms(protocol, received, () => ({ status: 'Pending', interval: 60 })),
    });
    try {
      const { code, text } = await command([url, '--protocol', protocol, '--count', '1', '--duration', '1']);
      expect(code).toBe(1);
      expect(text).toMatch(/^boot accepted: 0\/1 {2}rejected: 0 {2}pending: 1$/m);
    } finally {
      await server.close();
    }
    expect(actionsOf(received)).toEqual(['BootNotification']);
  }, 20_000);
});

describe('--skip', () => {
  test('leaving out Authorize and the transaction messages: none of them is sent, no transactions', async () => {
    const received: { action: string; at: number }[] = [];
    const { server, url } = await startServer({ 'ocpp1.6': plainCsms('ocpp1.6', received, accept) });
    try {
      const { code, text } = await command([
        url,
        '--count',
        '1',
        '--duration',
        '1',
        '--interval',
        '0.1',
        '--skip',
        'Authorize,StartTransaction',
      ]);
      expect(code).toBe(0);
      expect(text).toContain('skipped: Authorize, StartTransaction');
      expect(text).toMatch(/transactions: 0$/m);
    } finally {
      await server.close();
    }
    const actions = new Set(actionsOf(received));
    expect([...actions].sort()).toEqual(['BootNotification', 'DataTransfer', 'Heartbeat', 'StatusNotification']);
  }, 20_000);

  test('an action the version does not have, or the simulator never sends, is a usage error', async () => {
    const url = 'ws://127.0.0.1:1';
    await expect(command([url, '--skip', 'Nope'])).rejects.toThrow(
      new SimulateUsageError(
        '--skip: unknown action Nope: not an ocpp1.6 action (it takes Authorize, DataTransfer, Heartbeat, MeterValues, StartTransaction, StatusNotification, StopTransaction)',
      ),
    );
    await expect(command([url, '--protocol', 'ocpp2.0.1', '--skip', 'StartTransaction'])).rejects.toThrow(
      /^--skip: unknown action StartTransaction: not an ocpp2\.0\.1 action/,
    );
    await expect(command([url, '--skip', 'Reset'])).rejects.toThrow(
      /^--skip: Reset is never sent by a simulated ocpp1\.6 charge point/,
    );
    await expect(command([url, '--skip', 'BootNotification'])).rejects.toThrow(
      '--skip: BootNotification cannot be skipped: every session starts with it',
    );
    await expect(
      simulate({ url, protocol: 'ocpp2.1', count: 1, duration: 100, skip: ['MeterValues'] }),
    ).rejects.toThrow(RangeError);
  });
});

test('percentile: nearest rank', () => {
  expect(percentile([], 50)).toBe(0);
  expect(percentile([5], 99)).toBe(5);
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  expect([percentile(values, 50), percentile(values, 95), percentile(values, 99)]).toEqual([50, 95, 99]);
});
