/** Transport rules: binary, UTF-8, consecutive bad frames, size limit, events, logging, connection checks. */
import { describe, expect, test } from 'vitest';
import { CloseCode } from '../../src/connection.ts';
import { createConnectionPair } from '../../src/testing.ts';
import { ChargePoint, type HandlerContext } from '../../src/v16/index.ts';
import { flush, rawPair, recordingLogger } from './helpers.ts';

const NOW = '2024-01-01T00:00:00Z';

class Csms extends ChargePoint {
  onHeartbeat() {
    return { currentTime: NOW };
  }
}

describe('frames that close the connection', () => {
  test('a binary frame closes with 1003', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection);
    const kinds: string[] = [];
    cp.events.on('bad-frame', (e) => kinds.push(e.kind));
    peer.connection.send(Buffer.from(JSON.stringify([2, 'a', 'Heartbeat', {}])));
    await cp.start();
    expect(peer.closedWith?.code).toBe(CloseCode.UNSUPPORTED_DATA);
    expect(kinds).toEqual(['binary']);
    expect(peer.received).toEqual([]);
  });

  test('a text frame that is not UTF-8 closes with 1007', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection);
    peer.connection.sendRaw(Buffer.from([0x5b, 0x32, 0x2c, 0xff, 0xfe, 0x5d]), false);
    await cp.start();
    expect(peer.closedWith?.code).toBe(CloseCode.INVALID_PAYLOAD);
    expect(peer.received).toEqual([]);
  });

  test('text delivered as a Buffer (as ws does) is decoded, multi-byte characters included', async () => {
    const { connection, peer } = rawPair('ocpp1.6', true);
    class Echo extends ChargePoint {
      onDataTransfer(request: { data?: string }) {
        return { status: 'Accepted' as const, data: request.data ?? '' };
      }
    }
    new Echo('CP-1', connection);
    expect(await peer.exchange([2, 'd1', 'DataTransfer', { vendorId: 'v', data: 'Zürich ⚡ 東京' }])).toEqual([
      3,
      'd1',
      { status: 'Accepted', data: 'Zürich ⚡ 東京' },
    ]);
  });

  test('N consecutive bad frames close with 1008; a good frame resets the count', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection, { maxBadFrames: 3 });
    peer.send('x');
    peer.send('y');
    peer.send([2, 'h1', 'Heartbeat', {}]);
    peer.send('z');
    peer.send([9, 'q']);
    await flush();
    expect(cp.closed).toBe(false);
    peer.send('w');
    await cp.start();
    expect(peer.closedWith?.code).toBe(CloseCode.POLICY_VIOLATION);
    const frames = await peer.drain();
    expect(frames.map((f) => f[0])).toEqual([4, 4, 3, 4, 4]); // the unknown type 9 is not answered
  });

  test('the default is 10 consecutive bad frames', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection);
    for (let i = 0; i < 9; i++) peer.send('bad');
    await flush();
    expect(cp.closed).toBe(false);
    peer.send('bad');
    await cp.start();
    expect(peer.closedWith?.code).toBe(1008);
  });

  test('maxFrameSize: a larger frame closes with 1009', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection, { maxFrameSize: 64 });
    expect(await peer.exchange([2, 'h1', 'Heartbeat', {}])).toEqual([3, 'h1', { currentTime: NOW }]);
    peer.send([2, 'h2', 'Heartbeat', { padding: 'x'.repeat(64) }]);
    await cp.start();
    expect(peer.closedWith?.code).toBe(CloseCode.MESSAGE_TOO_BIG);
  });
});

describe('connection', () => {
  test('a connection with another subprotocol is refused at construction', () => {
    const [a] = createConnectionPair({ protocol: 'ocpp2.0.1' });
    expect(() => new Csms('CP-1', a)).toThrow('subprotocol is "ocpp2.0.1" but this endpoint speaks "ocpp1.6"');
    const [b] = createConnectionPair({ protocol: '' });
    expect(() => new Csms('CP-1', b)).toThrow(TypeError);
  });

  test('a connection closed before construction: start() resolves at once', async () => {
    const [a] = createConnectionPair();
    a.readyState = 3;
    const cp = new Csms('CP-1', a);
    await cp.start();
    expect(cp.closed).toBe(true);
  });

  test('the close event carries code and reason; start() resolves once', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection);
    const closes: unknown[] = [];
    cp.events.on('close', (e) => closes.push(e));
    peer.connection.close(4000, 'replaced');
    await cp.start();
    await cp.start();
    expect(closes).toEqual([{ identity: 'CP-1', code: 4000, reason: 'replaced' }]);
  });

  test('frames after close are ignored; nothing is sent', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection);
    await cp.close();
    connection.emit('message', JSON.stringify([2, 'late', 'Heartbeat', {}]), false);
    await flush();
    expect(connection.sent).toEqual([]);
    expect(peer.received).toEqual([]);
  });

  test('context.signal is created lazily and aborts on close', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const contexts: HandlerContext[] = [];
    class Waiting extends ChargePoint {
      onHeartbeat(_request: object, context: HandlerContext) {
        contexts.push(context);
        return new Promise<never>(() => {});
      }
    }
    const cp = new Waiting('CP-1', connection);
    peer.send([2, 'h1', 'Heartbeat', {}]);
    peer.send([2, 'h2', 'Heartbeat', {}]);
    await flush();
    const signal = contexts[0]?.signal;
    expect(signal?.aborted).toBe(false);
    await cp.close();
    expect(signal?.aborted).toBe(true);
    // read only after the close: already aborted
    expect(contexts[1]?.signal.aborted).toBe(true);
  });
});

describe('events and logging', () => {
  test('message:in and message:out carry the frames, with the action of each CALL', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection);
    const seen: unknown[] = [];
    cp.events.on('message:in', (e) => seen.push(['in', e.messageType, e.messageId, e.action, e.data]));
    cp.events.on('message:out', (e) => seen.push(['out', e.messageType, e.messageId, e.action, e.data]));
    await peer.exchange([2, 'h1', 'Heartbeat', {}]);
    const reset = cp.call('Reset', { type: 'Soft' }, { messageId: 'r1' });
    expect(await peer.next()).toEqual([2, 'r1', 'Reset', { type: 'Soft' }]);
    peer.send([3, 'r1', { status: 'Accepted' }]);
    await reset;
    expect(seen).toEqual([
      ['in', 2, 'h1', 'Heartbeat', '[2,"h1","Heartbeat",{}]'],
      ['out', 3, 'h1', undefined, `[3,"h1",{"currentTime":"${NOW}"}]`],
      ['out', 2, 'r1', 'Reset', '[2,"r1","Reset",{"type":"Soft"}]'],
      ['in', 3, 'r1', undefined, '[3,"r1",{"status":"Accepted"}]'],
    ]);
  });

  test('a listener that throws disturbs nothing; off() removes a listener', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection);
    let count = 0;
    const listener = () => {
      count++;
    };
    cp.events.on('message:in', () => {
      throw new Error('listener bug');
    });
    cp.events.on('message:in', listener);
    expect(await peer.exchange([2, 'h1', 'Heartbeat', {}])).toEqual([3, 'h1', { currentTime: NOW }]);
    cp.events.off('message:in', listener);
    await peer.exchange([2, 'h2', 'Heartbeat', {}]);
    expect(count).toBe(1);
  });

  test('the logger gets each frame at debug with identity and message id, and the faults', async () => {
    const logger = recordingLogger();
    const { connection, peer } = rawPair('ocpp1.6');
    new Csms('CP-7', connection, { logger });
    await peer.exchange([2, 'h1', 'Heartbeat', {}]);
    await peer.exchange('nonsense');
    const debug = logger.records.filter((r) => r.level === 'debug');
    expect(
      debug.map((r) => [r.msg, (r.obj as { identity: string }).identity, (r.obj as { messageId: string }).messageId]),
    ).toEqual([
      ['frame received', 'CP-7', 'h1'],
      ['frame sent', 'CP-7', 'h1'],
      ['frame sent', 'CP-7', '-1'],
    ]);
    expect(logger.records.some((r) => r.level === 'warn' && r.msg === 'bad frame')).toBe(true);
  });

  test('a logger with child() is used through child({ identity, protocol })', async () => {
    const logger = recordingLogger();
    const bindings: unknown[] = [];
    const parent = {
      ...logger,
      child(b: Record<string, unknown>) {
        bindings.push(b);
        return logger;
      },
    };
    const { connection, peer } = rawPair('ocpp1.6');
    new Csms('CP-8', connection, { logger: parent });
    await peer.exchange([2, 'h1', 'Heartbeat', {}]);
    expect(bindings).toEqual([{ identity: 'CP-8', protocol: 'ocpp1.6' }]);
    expect(logger.records.length).toBeGreaterThan(0);
  });
});
