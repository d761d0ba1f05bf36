/**
 * Recording and replay with real sockets: a 1.6 session against the demo CSMS recorded with `server.record()`,
 * replayed clean against the same CSMS (the transaction id it generates carried into the later StopTransaction),
 * and replayed against a changed CSMS, whose planted changes (an id tag now refused, another availability asked
 * for) are reported. The command line's `ocppkit replay` runs as a process against both.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoCsms, DemoStore, v16Handlers } from '../../src/demo/index.ts';
import { RotatingWriter } from '../../src/observability/recorder.ts';
import { basicAuth, OcppServer } from '../../src/server.ts';
import { readTrace, replay, replayIsClean } from '../../src/testing.ts';
import * as v16 from '../../src/v16/index.ts';
import { runTs, START_TIMEOUT } from '../integration/process.ts';
import { RawClient, within } from '../server/helpers.ts';

interface Csms {
  server: OcppServer;
  store: DemoStore;
  url: string;
}

/** The demo CSMS, which also asks each charge point that connects to change its availability. */
async function startCsms(options: { rejected?: string[]; availability?: 'Operative' | 'Inoperative' } = {}) {
  const { server, store } = createDemoCsms({
    settings: { rejectedIdTags: new Set(options.rejected ?? []) },
    protocols: ['ocpp1.6'],
  });
  server.events.on('connect', ({ identity }) => {
    // a moment after the connection, as a CSMS would (the recording attaches to the connection on connect too)
    setTimeout(() => {
      server
        .call(identity, 'ChangeAvailability', { connectorId: 0, type: options.availability ?? 'Operative' })
        .catch(() => {});
    }, 20);
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return { server: server as unknown as OcppServer, store, url: `ws://127.0.0.1:${port}` } satisfies Csms;
}

const now = () => new Date().toISOString();

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('record and replay', () => {
  const servers: OcppServer[] = [];
  let same: Csms;
  let changed: Csms;
  let traceDir: string;

  beforeAll(async () => {
    same = await startCsms();
    changed = await startCsms({ rejected: ['TAG-1'], availability: 'Inoperative' });
    servers.push(same.server, changed.server);
    traceDir = mkdtempSync(join(tmpdir(), 'ocppkit-trace-'));
    dirs.push(traceDir);

    // The session, recorded: only CP-1 is chosen, CP-2 is not.
    const recording = same.server.record({ dir: traceDir, identities: ['CP-1'] });
    const cp = await RawClient.open(`${same.url}/CP-1`, 'ocpp1.6');
    const other = await RawClient.open(`${same.url}/CP-2`, 'ocpp1.6');
    const availability = (await cp.next((frame) => frame[0] === 2)) as [number, string, string];
    cp.send([3, availability[1], { status: 'Accepted' }]);
    await cp.call('b1', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await cp.call('a1', 'Authorize', { idTag: 'TAG-1' });
    cp.send('[2,"bad1","Heartbeat"'); // cut short: not JSON, answered with a CALLERROR
    await cp.next((frame) => frame[0] === 4);
    const start = { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: now() };
    const started = (await cp.call('s1', 'StartTransaction', start)) as [number, string, { transactionId: number }];
    const transactionId = started[2].transactionId;
    const meterValue = [{ timestamp: now(), sampledValue: [{ value: '10' }] }];
    await cp.call('m1', 'MeterValues', { connectorId: 1, transactionId, meterValue });
    await cp.call('t1', 'StopTransaction', { transactionId, meterStop: 10, timestamp: now() });
    await other.call('x1', 'Heartbeat');
    cp.ws.close(1000);
    other.ws.close(1000);
    await within(Promise.all([cp.closed, other.closed]), 3000, 'closed');
    await recording.stop();
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('records every frame of the chosen charge points as JSON Lines: time, identity, protocol, direction, frame', () => {
    const records = readTrace(traceDir);
    expect(new Set(records.map((record) => record.identity))).toEqual(new Set(['CP-1']));
    expect(records).toHaveLength(14); // six CALLs, a bad frame and their seven answers
    const bad = records.findIndex((record) => record.frame === '[2,"bad1","Heartbeat"');
    expect(records[bad]?.direction).toBe('in');
    expect(records[bad + 1]?.frame).toEqual([4, '-1', 'FormationViolation', expect.any(String), {}]);
    for (const record of records) {
      expect(Object.keys(record).sort()).toEqual(['direction', 'frame', 'identity', 'protocol', 'time']);
      expect(new Date(record.time).toISOString()).toBe(record.time);
      expect(record.protocol).toBe('ocpp1.6');
    }
    expect(records.find((record) => (record.frame as unknown[])[1] === 'b1')).toMatchObject({ direction: 'in' });
    const bootAnswer = records.find((record) => record.direction === 'out' && (record.frame as unknown[])[1] === 'b1');
    expect(bootAnswer?.frame).toEqual([3, 'b1', expect.objectContaining({ status: 'Accepted' })]);
    const csmsCall = records.find((record) => record.direction === 'out' && (record.frame as unknown[])[0] === 2);
    expect(csmsCall?.frame).toEqual([
      2,
      expect.any(String),
      'ChangeAvailability',
      { connectorId: 0, type: 'Operative' },
    ]);
  });

  it('replays clean against the same CSMS, the new transaction id used where the trace had the old one', async () => {
    const before = same.store.transactions.size;
    const reports = await replay(traceDir, { csms: same.url, timeout: 3000, settle: 2000 });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ identity: 'CP-1', protocol: 'ocpp1.6', sent: 6, compared: 6, answered: 1 });
    expect(reports[0]?.differences).toEqual([]);
    expect(replayIsClean(reports)).toBe(true);
    // the replay's transaction is a new one, and the replayed StopTransaction ended it
    expect(same.store.transactions.size).toBe(before + 1);
    const replayed = [...same.store.transactions.values()].at(-1);
    expect(replayed?.ended).toBeDefined();
  });

  it('reports the planted changes of another CSMS, field by field', async () => {
    const reports = await replay(traceDir, { csms: changed.url, timeout: 3000, settle: 2000 });
    const differences = reports[0]?.differences ?? [];
    expect(differences).toContainEqual({
      identity: 'CP-1',
      action: 'Authorize',
      messageId: 'a1',
      kind: 'answer',
      path: 'idTagInfo.status',
      recorded: 'Accepted',
      replayed: 'Invalid',
    });
    expect(differences).toContainEqual(
      expect.objectContaining({
        action: 'ChangeAvailability',
        kind: 'call',
        path: 'type',
        recorded: 'Operative',
        replayed: 'Inoperative',
      }),
    );
    expect(replayIsClean(reports)).toBe(false);
  });

  it('takes ignore rules that users add', async () => {
    const reports = await replay(traceDir, {
      csms: changed.url,
      timeout: 3000,
      settle: 2000,
      ignore: [{ path: 'idTagInfo.status' }, { action: 'ChangeAvailability', path: 'type' }],
    });
    expect(reports[0]?.differences).toEqual([]);
    // without the default rules, the timestamps and the generated transaction id differ
    const strict = await replay(traceDir, { csms: same.url, timeout: 3000, settle: 2000, defaultRules: false });
    const paths = strict[0]?.differences.map((difference) => `${difference.action}:${difference.path}`);
    expect(paths).toEqual(expect.arrayContaining(['BootNotification:currentTime', 'StartTransaction:transactionId']));
  });

  it('authenticates each charge point with the password given (security profile 1)', async () => {
    const store = new DemoStore();
    const handlers = v16Handlers(store);
    const secured = new OcppServer({
      host: '127.0.0.1',
      pingInterval: 0,
      authenticate: basicAuth((identity) => (identity === 'CP-1' ? 'a-password-of-16-chars' : undefined)),
      protocols: {
        'ocpp1.6': (identity, connection, context) =>
          new v16.ChargePoint(identity, connection, { ...context, handlers }),
      },
    });
    secured.events.on('connect', ({ identity }) => {
      setTimeout(() => {
        secured.call(identity, 'ChangeAvailability', { connectorId: 0, type: 'Operative' }).catch(() => {});
      }, 20);
    });
    servers.push(secured as unknown as OcppServer);
    const { port } = await secured.listen(0, '127.0.0.1');
    const csms = `ws://127.0.0.1:${port}`;
    const refused = await replay(traceDir, { csms, timeout: 3000 });
    expect(refused[0]?.differences[0]).toMatchObject({ kind: 'connection', replayed: expect.stringContaining('401') });
    const reports = await replay(traceDir, { csms, timeout: 3000, settle: 2000, password: 'a-password-of-16-chars' });
    expect(reports[0]?.differences).toEqual([]);
  });

  it('reports a CSMS that cannot be reached instead of failing', async () => {
    const reports = await replay(traceDir, { csms: 'ws://127.0.0.1:1', timeout: 2000 });
    expect(reports[0]?.differences[0]).toMatchObject({ kind: 'connection' });
  });

  it('ocppkit replay exits 0 on a clean replay and 1 with the differences listed', async () => {
    const clean = runTs('src/cli/bin.ts', ['replay', traceDir, '--csms', same.url]);
    expect(await within(clean.exited, START_TIMEOUT, 'replay exits')).toEqual({ code: 0, signal: null });
    expect(clean.stdout).toMatch(/^CP-1 \(ocpp1\.6\): 6 sent, 6 answers compared, 1 CSMS calls answered: clean$/m);

    const dirty = runTs('src/cli/bin.ts', [
      'replay',
      traceDir,
      '--csms',
      changed.url,
      '--ignore',
      'ChangeAvailability:type',
    ]);
    expect(await within(dirty.exited, START_TIMEOUT, 'replay exits')).toEqual({ code: 1, signal: null });
    expect(dirty.stdout).toContain('2 difference(s)');
    expect(dirty.stdout).toContain('StartTransaction [s1] answer idTagInfo.status');
    expect(dirty.stdout).toContain('Authorize [a1] answer idTagInfo.status: recorded "Accepted", replayed "Invalid"');
  }, 60_000);
});

describe('rotation', () => {
  it('keeps at most maxFiles files of about maxFileBytes, the newest lines', async () => {
    const { csms, dir } = { csms: await startCsms(), dir: mkdtempSync(join(tmpdir(), 'ocppkit-rotate-')) };
    try {
      const recording = csms.server.record({ dir, maxFileBytes: 1000, maxFiles: 3 });
      const cp = await RawClient.open(`${csms.url}/CP-R`, 'ocpp1.6');
      for (let i = 0; i < 40; i++) await cp.call(`h${i}`, 'Heartbeat');
      await recording.stop();
      cp.ws.close(1000);
      await within(cp.closed, 3000, 'closed');
      const files = readdirSync(dir);
      expect(files).toHaveLength(3);
      for (const file of files) {
        expect(file).toMatch(/^ocpp-\d{8}T\d{6}Z-\d{6}\.jsonl$/);
        expect(readFileSync(join(dir, file)).length).toBeLessThan(1000 + 200);
      }
      const ids = readTrace(dir).map((record) => (record.frame as unknown[])[1]);
      expect(ids.at(-1)).toBe('h39');
      expect(ids).not.toContain('h0');
      expect(recording.dropped).toBe(0);
    } finally {
      await csms.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops lines, and counts them, while the disk is behind by more than maxBufferedBytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ocppkit-behind-'));
    dirs.push(dir);
    const writer = new RotatingWriter(dir, { maxBufferedBytes: 1 });
    // written in one go: the first line waits for the disk, the others find it behind
    for (let i = 0; i < 10; i++) writer.write(`{"line":${i}}\n`);
    await writer.close();
    expect(writer.dropped).toBe(9);
    const [file] = readdirSync(dir);
    expect(readFileSync(join(dir, file as string), 'utf8')).toBe('{"line":0}\n');
  });

  it('refuses sizes that cannot bound a recording', async () => {
    const csms = await startCsms();
    try {
      expect(() => csms.server.record({ dir: tmpdir(), maxFiles: 0 })).toThrow(RangeError);
    } finally {
      await csms.server.close();
    }
  });
});
