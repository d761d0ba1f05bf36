/** The client over real sockets: connect, boot, handlers (both styles) across reconnects, events, stop. */
import { afterEach, describe, expect, test } from 'vitest';
import { stationTransactionKey } from '../../src/demo/store.ts';
import { CallError, ConnectionClosedError } from '../../src/errors.ts';
import type { HandlerContext } from '../../src/messages.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { next, now, record, startDemo, startServer, until } from './helpers.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function track<T extends { stop(): Promise<void> }>(client: T): T {
  cleanup.push(() => client.stop());
  return client;
}

describe('against the demo CSMS', () => {
  test('1.6: boot, status, heartbeat, authorize, a transaction', async () => {
    const demo = await startDemo();
    cleanup.push(() => demo.server.close());
    const cp = track(new v16.Client({ url: demo.url, identity: 'CP16' }));
    await cp.connect();
    expect(cp.connected).toBe(true);
    expect(cp.endpoint?.protocol).toBe('ocpp1.6');
    const boot = await cp.call(new v16.call.BootNotification({ chargePointVendor: 'V', chargePointModel: 'M' }));
    expect(boot.status).toBe('Accepted');
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    expect((await cp.call('Heartbeat')).currentTime).toMatch(/^\d{4}-/);
    expect((await cp.call('Authorize', { idTag: 'TAG' })).idTagInfo.status).toBe('Accepted');
    const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG', meterStart: 0, timestamp: now() });
    const transactionId = start.transactionId;
    await cp.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: now(), sampledValue: [{ value: '10' }] }],
    });
    await cp.call('StopTransaction', { transactionId, meterStop: 10, timestamp: now() });
    expect(demo.store.transactions.get(String(transactionId))?.ended).toBeDefined();
    expect(cp.queueSize).toBe(0);
  });

  test.each([
    ['ocpp2.0.1', v201.Client],
    ['ocpp2.1', v21.Client],
  ] as const)('%s: boot and a TransactionEvent', async (protocol, AnyClient) => {
    // the two versions' payloads used here have the same shape
    const Client = AnyClient as typeof v201.Client;
    const demo = await startDemo();
    cleanup.push(() => demo.server.close());
    const cp = track(new Client({ url: demo.url, identity: 'CS2' }));
    await cp.connect();
    expect(cp.endpoint?.protocol).toBe(protocol);
    const boot = await cp.call('BootNotification', {
      reason: 'PowerUp',
      chargingStation: { model: 'M', vendorName: 'V' },
    });
    expect(boot.status).toBe('Accepted');
    await cp.call('TransactionEvent', {
      eventType: 'Started',
      timestamp: now(),
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: 'T1' },
      idToken: { idToken: 'TAG', type: 'ISO14443' },
    });
    expect(demo.store.transactions.get(stationTransactionKey('CS2', 'T1'))?.identity).toBe('CS2');
  });
});

test('the identity is percent-encoded in the URL and decoded by the server', async () => {
  const { server, handshakes, url } = await startServer({ 'ocpp1.6': v16.ChargePoint });
  cleanup.push(() => server.close());
  const cp = track(new v16.Client({ url: `${url}/`, identity: 'RDAM|123 é' }));
  const connecting = next(cp, 'connecting');
  await cp.connect();
  expect((await connecting).url).toBe(`${url}/RDAM%7C123%20%C3%A9`);
  expect(handshakes[0]?.url).toBe('/RDAM%7C123%20%C3%A9');
  expect(server.get('RDAM|123 é')).toBeDefined();
});

test('options are checked when the client is created', () => {
  expect(() => new v16.Client({ url: 'http://x', identity: 'A' })).toThrow(/ws:\/\/ or wss:\/\//);
  expect(() => new v16.Client({ url: 'nope', identity: 'A' })).toThrow(/not a URL/);
  expect(() => new v16.Client({ url: 'ws://x', identity: '' })).toThrow(/identity/);
  expect(() => new v16.Client({ url: 'ws://x', identity: 'A', queue: { maxSize: 0 } })).toThrow(/maxSize/);
});

describe('handlers', () => {
  class Charger16 extends v16.Client implements v16.V16ChargePointHandlers {
    readonly seen: string[] = [];
    readonly sessions = new Set<unknown>();

    @v16.on(v16.Action.Reset)
    async reset(request: v16.ResetRequest, context: HandlerContext) {
      this.seen.push(`reset ${request.type} ${context.identity}`);
      this.sessions.add(this.endpoint);
      // a handler may await its own call
      await this.call('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Unavailable' });
      return { status: 'Accepted' as const };
    }

    @v16.after(v16.Action.Reset)
    afterReset(_request: v16.ResetRequest, context: v16.AfterContext<v16.ResetResponse>) {
      this.seen.push(`after ${context.response.status}`);
    }

    // the generated interface's style
    onClearCache() {
      this.seen.push('clear');
      return { status: 'Accepted' as const };
    }

    @v16.on(v16.Action.DataTransfer, { skipValidation: true })
    data(request: v16.DataTransferRequest) {
      this.seen.push(`data ${JSON.stringify(request)}`);
      return { status: 'Accepted' as const };
    }
  }

  test('both styles, this = the client, the same handlers after a reconnect', async () => {
    const statuses: string[] = [];
    class Csms extends v16.ChargePoint {
      onStatusNotification(request: v16.StatusNotificationRequest) {
        statuses.push(request.status);
        return {};
      }
    }
    const { server, url } = await startServer({ 'ocpp1.6': Csms });
    cleanup.push(() => server.close());
    const cp = track(new Charger16({ url, identity: 'H1', backOff: { waitMinimum: 10, randomRange: 0 } }));
    await cp.connect();
    const first = cp.endpoint;

    const csms = () => server.get('H1') as Csms;
    expect(await csms().call('Reset', { type: 'Soft' })).toEqual({ status: 'Accepted' });
    expect(await csms().call('ClearCache')).toEqual({ status: 'Accepted' });
    // skipValidation on the handler: an extra property reaches it instead of a FormationViolation
    const odd = { vendorId: 'V', extra: 1 } as v16.DataTransferRequest;
    expect(await csms().call('DataTransfer', odd, { skipValidation: true })).toEqual({ status: 'Accepted' });

    // the server drops the connection; the client reconnects with the same handlers
    csms().connection.terminate?.();
    await next(cp, 'open', (e) => e.reconnected);
    await until(() => server.get('H1') !== undefined);
    expect(cp.endpoint).not.toBe(first);
    expect(cp.endpoint?.constructor).toBe(first?.constructor);
    expect(await csms().call('Reset', { type: 'Hard' })).toEqual({ status: 'Accepted' });
    await until(() => cp.seen.length === 6);
    expect(cp.seen).toEqual([
      'reset Soft H1',
      'after Accepted',
      'clear',
      'data {"vendorId":"V","extra":1}',
      'reset Hard H1',
      'after Accepted',
    ]);
    expect(cp.sessions.size).toBe(2);
    expect(statuses).toEqual(['Unavailable', 'Unavailable']);
  });

  test('an action without a handler is NotSupported; a handler for the wrong side fails at construction', async () => {
    const { server, url } = await startServer({ 'ocpp2.0.1': v201.ChargePoint });
    cleanup.push(() => server.close());
    const cp = track(new v201.Client({ url, identity: 'H2' }));
    await cp.connect();
    const csms = server.get('H2') as v201.ChargePoint;
    const error = await csms.call('ClearCache').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).code).toBe('NotSupported');

    class Wrong extends v201.Client {
      onBootNotification() {
        return { currentTime: now(), interval: 1, status: 'Accepted' as const };
      }
    }
    expect(() => new Wrong({ url, identity: 'H3' })).toThrow(/a charge point never receives "BootNotification"/);
  });
});

test('events: connecting, open, frames in and out, close with code and reason', async () => {
  const demo = await startDemo();
  cleanup.push(() => demo.server.close());
  const cp = track(new v16.Client({ url: demo.url, identity: 'E1', backOff: { waitMinimum: 10, randomRange: 0 } }));
  const log = record(cp, 'connecting', 'open', 'close', 'reconnect:scheduled', 'message:in', 'message:out');
  await cp.connect();
  await cp.call('Heartbeat');
  demo.server.get('E1')?.close(4000, 'go away');
  await next(cp, 'open');
  await cp.stop(1000, 'bye');
  const names = log.map((e) => e.name);
  expect(names).toEqual([
    'connecting',
    'open',
    'message:out',
    'message:in',
    'close',
    'reconnect:scheduled',
    'connecting',
    'open',
    'close',
  ]);
  const out = log[2]?.event as v16.EndpointEventMap['message:out'];
  expect(JSON.parse(out.data)).toEqual([2, out.messageId, 'Heartbeat', {}]);
  expect(log[4]?.event).toEqual({ identity: 'E1', code: 4000, reason: 'go away', reconnect: true });
  expect(log[7]?.event).toEqual({ identity: 'E1', protocol: 'ocpp1.6', reconnected: true });
  expect(log[8]?.event).toEqual({ identity: 'E1', code: 1000, reason: 'bye', reconnect: false });
});

test('offline: a non-queued call rejects at once; stop() is for good', async () => {
  const demo = await startDemo();
  cleanup.push(() => demo.server.close());
  const cp = new v16.Client({ url: demo.url, identity: 'S1' });
  const error = await cp.call('Heartbeat').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(v16.NotConnectedError);
  expect(error).toBeInstanceOf(ConnectionClosedError);
  expect(() => cp.send).not.toThrow();
  await cp.connect();
  const connecting = record(cp, 'connecting');
  await cp.stop();
  expect(cp.state).toBe('stopped');
  await expect(cp.connect()).rejects.toBeInstanceOf(v16.ClientStoppedError);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(connecting).toHaveLength(0);
  expect(demo.server.size).toBe(0);
});

test('stop() while waiting for the next attempt rejects connect()', async () => {
  const { server, url, control } = await startServer({ 'ocpp1.6': v16.ChargePoint });
  cleanup.push(() => server.close());
  control.refuse = true;
  const cp = new v16.Client({ url, identity: 'S2', backOff: { waitMinimum: 60_000 } });
  const connected = cp.connect();
  const failed = await next(cp, 'connect:error');
  expect((failed.error as v16.ConnectError).status).toBe(401);
  expect(cp.state).toBe('waiting');
  await cp.stop();
  await expect(connected).rejects.toBeInstanceOf(v16.ClientStoppedError);
});

test('2.1 SEND goes out through the client', async () => {
  const received: unknown[] = [];
  class Csms extends v21.ChargePoint {
    @v21.on(v21.Action.NotifyPeriodicEventStream)
    stream(request: v21.NotifyPeriodicEventStreamRequest) {
      received.push(request);
    }
  }
  const { server, url } = await startServer({ 'ocpp2.1': Csms });
  cleanup.push(() => server.close());
  const cp = track(new v21.Client({ url, identity: 'SEND1' }));
  expect(() => cp.send('NotifyPeriodicEventStream', { id: 1, pending: 0, basetime: now(), data: [] })).toThrow(
    v21.NotConnectedError,
  );
  await cp.connect();
  cp.send('NotifyPeriodicEventStream', { id: 1, pending: 0, basetime: now(), data: [{ t: 0, v: '1' }] });
  await until(() => received.length === 1);
});

describe('what the newcomer runs into', () => {
  test('an HTTP 404 at the upgrade: the ConnectError names the URL and carries it', async () => {
    const { createServer } = await import('node:http');
    const http = createServer((_request, response) => response.writeHead(404).end());
    http.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => http.close(resolve)));
    const { port } = http.address() as { port: number };
    const cp = track(new v16.Client({ url: `ws://127.0.0.1:${port}/ocpp`, identity: 'CP-404', reconnect: false }));
    const failed = next(cp, 'connect:error');
    await expect(cp.connect()).rejects.toThrow();
    const error = (await failed).error as v16.ConnectError;
    expect(error.status).toBe(404);
    expect(error.url).toBe(`ws://127.0.0.1:${port}/ocpp/CP-404`);
    expect(error.message).toBe(`The CSMS refused the connection to ws://127.0.0.1:${port}/ocpp/CP-404: HTTP 404`);
  });

  test('a handler that throws reaches the client’s handler:error event, and the CSMS gets InternalError', async () => {
    let answer: Promise<unknown> | undefined;
    class Csms extends v16.ChargePoint {
      onBootNotification() {
        answer = this.call('Reset', { type: 'Soft' }).catch((error: unknown) => error);
        return { currentTime: now(), interval: 10, status: 'Accepted' as const };
      }
    }
    const { server, url } = await startServer({ 'ocpp1.6': Csms });
    cleanup.push(() => server.close());
    class Charger extends v16.Client {
      onReset(): never {
        throw new Error('relay stuck');
      }
    }
    const cp = track(new Charger({ url, identity: 'CP-ERR' }));
    const failed = next(cp, 'handler:error');
    await cp.connect();
    await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const event = await failed;
    expect(event).toMatchObject({ identity: 'CP-ERR', phase: 'handler', action: 'Reset' });
    expect((event.error as Error).message).toBe('relay stuck');
    await until(() => answer !== undefined);
    expect(await answer).toMatchObject({ code: 'InternalError' });
  });

  test('a misspelt handler of a client class is refused at construction, naming the method', () => {
    class Charger extends v16.Client {
      onRemoteStartTransation() {
        return { status: 'Accepted' as const };
      }
    }
    expect(() => new Charger({ url: 'ws://127.0.0.1:1', identity: 'CP-X' })).toThrow(
      /^Charger\.onRemoteStartTransation: .*Did you mean onRemoteStartTransaction\?/,
    );
  });
});
