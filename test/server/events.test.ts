/**
 * `server.events`: one object per event (`connect`, `disconnect`, `refused`, `handler:error`, the frames of every
 * connection), listeners that throw logged and harmless, and the deprecated `server.on(…)` tuples still emitted
 * beside them.
 */
import { describe, expect, it, vi } from 'vitest';
import type { OcppConnection } from '../../src/connection.ts';
import type { FrameEvent } from '../../src/events.ts';
import type { HandshakeRefusedEvent, ServedContext, ServerDisconnectEvent } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import { recordingLogger } from '../runtime/helpers.ts';
import { ALL, CsmsV16, CsmsV201, startServer } from './fixtures.ts';
import { BOOT, RawClient, rawHandshake, readRawFrame, refusal, until, within } from './helpers.ts';

/** Authorize throws for the id tag `BOOM`. */
class Failing extends CsmsV16 {
  @v16.on(v16.Action.Authorize)
  authorize({ idTag }: v16.AuthorizeRequest) {
    if (idTag === 'BOOM') throw new Error('tag store down');
    return { idTagInfo: { status: v16.AuthorizationStatus.Accepted } };
  }
}

/** Heartbeat throws. */
class FailingV201 extends CsmsV201 {
  onHeartbeat(): { currentTime: string } {
    throw new Error('clock broken');
  }
}

describe('server.events', () => {
  it('connect and disconnect carry identity, protocol and ChargePoint; disconnect the close code and reason', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const seen: string[] = [];
    const disconnects: ServerDisconnectEvent[] = [];
    server.events.on('connect', ({ identity, protocol, chargePoint }) => {
      expect(server.get(identity)).toBe(chargePoint);
      seen.push(`connect ${identity} ${protocol}`);
    });
    server.events.on('disconnect', (event) => {
      disconnects.push(event);
      seen.push(`disconnect ${event.identity}`);
    });
    const client = await RawClient.open(url('/CP_1'), 'ocpp2.1');
    const chargePoint = server.get('CP_1');
    await client.close(4000);
    await until(() => disconnects.length === 1, 'disconnect');
    expect(seen).toEqual(['connect CP_1 ocpp2.1', 'disconnect CP_1']);
    expect(disconnects[0]).toEqual({ identity: 'CP_1', protocol: 'ocpp2.1', chargePoint, code: 4000, reason: '' });
  });

  it('the deprecated server.on(…) tuples are emitted beside the event objects', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const legacy: unknown[][] = [];
    server.on('connect', (chargePoint, protocol) => legacy.push(['connect', chargePoint.identity, protocol]));
    server.on('disconnect', (chargePoint) => legacy.push(['disconnect', chargePoint.identity]));
    server.on('refused', ({ status }) => legacy.push(['refused', status]));
    const current = vi.fn();
    server.events.on('connect', current);
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    expect((await refusal(url('/a/b'), 'ocpp1.6')).status).toBe(404);
    await client.close();
    await until(() => legacy.length === 3, 'three legacy events');
    expect(legacy).toEqual([
      ['connect', 'CP_1', 'ocpp1.6'],
      ['refused', 404],
      ['disconnect', 'CP_1'],
    ]);
    expect(current).toHaveBeenCalledTimes(1);
  });

  it('refused says what the client offered, before the upgrade', async () => {
    const logger = recordingLogger();
    const { records } = logger;
    const { server, url } = await startServer({
      protocols: ALL,
      logger,
      authenticate: ({ identity }) => identity !== 'stranger',
    });
    const refused: HandshakeRefusedEvent[] = [];
    server.events.on('refused', (event) => refused.push(event));
    expect((await refusal(url('/stranger'), ['ocpp2.0.1', 'ocpp1.6'])).status).toBe(401);
    expect((await refusal(url('/a/b'))).status).toBe(404);
    expect(refused).toEqual([
      {
        status: 401,
        code: undefined,
        reason: 'refused by the authentication hook',
        identity: 'stranger',
        remoteAddress: '127.0.0.1',
        url: '/stranger',
        offered: ['ocpp2.0.1', 'ocpp1.6'],
      },
      {
        status: 404,
        code: undefined,
        reason: 'path is not an OCPP endpoint',
        identity: undefined,
        remoteAddress: '127.0.0.1',
        url: '/a/b',
        offered: [],
      },
    ]);
    const logged = records.filter((r) => r.msg === 'handshake refused').map((r) => r.obj);
    expect(logged[0]).toMatchObject({ status: 401, identity: 'stranger', offered: ['ocpp2.0.1', 'ocpp1.6'] });
    expect(logged[1]).not.toHaveProperty('identity');
  });

  it('no common subprotocol: logged with the subprotocols offered, and refused with status 101 and code 1002', async () => {
    const logger = recordingLogger();
    const { records } = logger;
    const { server, port } = await startServer({ protocols: { 'ocpp1.6': CsmsV16 }, logger });
    const refused: HandshakeRefusedEvent[] = [];
    server.events.on('refused', (event) => refused.push(event));
    const legacy = vi.fn();
    server.on('refused', legacy);
    const handshake = await rawHandshake(port, '/CP_1', 'ocpp1.5, ocpp2.0.1');
    try {
      expect(handshake.status).toBe(101);
      const frame = await readRawFrame(handshake);
      expect(frame.payload.readUInt16BE(0)).toBe(1002);
    } finally {
      handshake.socket.destroy();
    }
    const record = records.find((r) => r.msg === 'no common OCPP subprotocol: closing');
    expect(record?.level).toBe('warn');
    expect(record?.obj).toMatchObject({ identity: 'CP_1', offered: ['ocpp1.5', 'ocpp2.0.1'] });
    expect(refused).toEqual([
      {
        status: 101,
        code: 1002,
        reason: 'no common OCPP subprotocol',
        identity: 'CP_1',
        remoteAddress: '127.0.0.1',
        url: '/CP_1',
        offered: ['ocpp1.5', 'ocpp2.0.1'],
      },
    ]);
    // the deprecated event never heard of upgraded connections
    expect(legacy).not.toHaveBeenCalled();
  });

  it('handler:error reports a failed handler of any connection, created by a class or a factory', async () => {
    const { server, url } = await startServer({
      protocols: {
        'ocpp1.6': Failing,
        'ocpp2.0.1': (identity: string, connection: OcppConnection, context: ServedContext) =>
          new FailingV201(identity, connection, context),
      },
    });
    const errors: unknown[] = [];
    server.events.on('handler:error', ({ identity, phase, action, messageId, error }) =>
      errors.push({ identity, phase, action, messageId, message: (error as Error).message }),
    );
    const a = await RawClient.open(url('/CP_16'), 'ocpp1.6');
    const b = await RawClient.open(url('/CS_201'), 'ocpp2.0.1');
    expect((await a.call('a1', 'Authorize', { idTag: 'BOOM' }))[2]).toBe('InternalError');
    expect((await b.call('b1', 'Heartbeat', {}))[2]).toBe('InternalError');
    expect(errors).toEqual([
      { identity: 'CP_16', phase: 'handler', action: 'Authorize', messageId: 'a1', message: 'tag store down' },
      { identity: 'CS_201', phase: 'handler', action: 'Heartbeat', messageId: 'b1', message: 'clock broken' },
    ]);
    await Promise.all([a.close(), b.close()]);
  });

  it('message:in and message:out carry the frames of every connection, class or factory, until the listener is off', async () => {
    const { server, url } = await startServer({
      protocols: {
        'ocpp1.6': CsmsV16,
        'ocpp2.0.1': (identity: string, connection: OcppConnection, context: ServedContext) =>
          new CsmsV201(identity, connection, context),
      },
    });
    const frames: string[] = [];
    const onIn = ({ identity, messageType, messageId, action }: FrameEvent) =>
      frames.push(`in ${identity} ${messageType} ${messageId} ${action}`);
    const onOut = ({ identity, messageType, messageId, action, data }: FrameEvent) => {
      expect(JSON.parse(data)[1]).toBe(messageId);
      frames.push(`out ${identity} ${messageType} ${messageId} ${action}`);
    };
    server.events.on('message:in', () => {
      throw new Error('a broken listener');
    });
    server.events.on('message:in', onIn).on('message:out', onOut);
    const a = await RawClient.open(url('/CP_16'), 'ocpp1.6');
    const b = await RawClient.open(url('/CS_201'), 'ocpp2.0.1');
    expect((await a.call('a1', 'BootNotification', BOOT['ocpp1.6']))[0]).toBe(3);
    expect((await b.call('b1', 'BootNotification', BOOT['ocpp2.0.1']))[0]).toBe(3);
    expect(frames).toEqual([
      'in CP_16 2 a1 BootNotification',
      'out CP_16 3 a1 undefined',
      'in CS_201 2 b1 BootNotification',
      'out CS_201 3 b1 undefined',
    ]);
    // the connections' own events are left alone
    expect((server.get('CP_16') as v16.ChargePoint).events.has('message:in')).toBe(false);
    server.events.off('message:in', onIn).off('message:out', onOut);
    expect((await a.call('a2', 'BootNotification', BOOT['ocpp1.6']))[0]).toBe(3);
    expect(frames).toHaveLength(4);
    await Promise.all([a.close(), b.close()]);
  });

  it('a listener that throws is logged; the other listeners, the connection and the server go on', async () => {
    const logger = recordingLogger();
    const { records } = logger;
    const { server, url } = await startServer({ protocols: ALL, logger });
    const after = vi.fn();
    for (const event of ['connect', 'disconnect', 'refused', 'handler:error'] as const) {
      server.events.on(event, () => {
        throw new Error(`listener of ${event} broken`);
      });
      server.events.on(event, after);
    }
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    expect((await client.call('1', 'BootNotification', BOOT['ocpp1.6']))[0]).toBe(3);
    expect((await refusal(url('/'), 'ocpp1.6')).status).toBe(404);
    await client.close();
    await until(() => server.size === 0, 'registry empty');
    await until(() => after.mock.calls.length === 3, 'the other listeners ran');
    const thrown = records.filter((r) => r.msg === 'server event listener threw; ignored').map((r) => r.obj.event);
    expect(thrown).toEqual(['connect', 'refused', 'disconnect']);
    // still serving
    const again = await RawClient.open(url('/CP_2'), 'ocpp1.6');
    await within(again.close(), 2000, 'close');
  });
});
