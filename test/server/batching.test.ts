/**
 * Write batching over real sockets: the answers to the frames of one read leave in one write, and a write made
 * outside a read (a call from the application) is not held back.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as v16 from '../../src/v16/index.ts';
import { CsmsV16, startServer } from './fixtures.ts';
import { BOOT, RawClient, within } from './helpers.ts';

/** The TCP socket under a `ws` WebSocket (not part of its public surface). */
function tcpSocketOf(ws: unknown): Socket {
  const socket = (ws as { _socket?: Socket })._socket;
  if (socket === undefined) throw new Error('no socket under this WebSocket');
  return socket;
}

/** Counts the writes that reach the kernel from `socket` (`_write` for one chunk, `_writev` for several). */
function countWrites(socket: Socket): { count: number } {
  const counter = { count: 0 };
  const internals = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  for (const name of ['_write', '_writev'] as const) {
    const original = internals[name].bind(socket);
    internals[name] = (...args: unknown[]) => {
      counter.count++;
      return original(...args);
    };
  }
  return counter;
}

/** Answers Authorize after an await, as a handler that reads a database does. */
class AsyncCsms extends CsmsV16 {
  @v16.on(v16.Action.Authorize)
  async authorize(_request: v16.AuthorizeRequest) {
    await Promise.resolve();
    return { idTagInfo: { status: v16.AuthorizationStatus.Accepted } };
  }
}

afterEach(() => {
  vi.useRealTimers();
});

/** Sends `frames` in one TCP write and returns the answers, in order. */
async function sendAtOnce(client: RawClient, frames: unknown[][]): Promise<unknown[][]> {
  const socket = tcpSocketOf(client.ws);
  socket.cork();
  for (const frame of frames) client.send(frame);
  socket.uncork();
  return Promise.all(frames.map((frame) => client.next((answer) => answer[1] === frame[1])));
}

describe('write batching', () => {
  it.each([
    ['synchronous', CsmsV16, 'BootNotification', BOOT['ocpp1.6']],
    ['async', AsyncCsms, 'Authorize', { idTag: 'TAG' }],
  ] as const)(
    'six CALLs arriving in one read, %s handler: answered in one write',
    async (_kind, Csms, action, payload) => {
      const { server, url } = await startServer({ protocols: { 'ocpp1.6': Csms } });
      const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
      const chargePoint = server.get('CP_1');
      if (chargePoint === undefined) throw new Error('CP_1 not connected');
      const writes = countWrites(tcpSocketOf(chargePoint.connection));

      const frames = Array.from({ length: 6 }, (_, i) => [2, `call-${i}`, action, payload]);
      const answers = await sendAtOnce(client, frames);
      expect(answers.map((frame) => frame[0])).toEqual([3, 3, 3, 3, 3, 3]);
      expect(writes.count).toBe(1);
    },
  );

  it('fake timers installed by a test after the import do not hold the answers back', async () => {
    const { url } = await startServer({ protocols: { 'ocpp1.6': CsmsV16 } });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    vi.useFakeTimers({ toFake: ['setImmediate'] });
    const answer = new Promise<unknown[]>((resolve) => {
      client.ws.once('message', (data) => resolve(JSON.parse(String(data)) as unknown[]));
    });
    client.send([2, 'boot', 'BootNotification', BOOT['ocpp1.6']]);
    expect((await within(answer, 2000, 'the answer')).slice(0, 2)).toEqual([3, 'boot']);
  });

  it('a call made outside any read goes out at once, and its answer is matched', async () => {
    const { server, url } = await startServer({ protocols: { 'ocpp1.6': CsmsV16 } });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    const chargePoint = server.get('CP_1') as v16.ChargePoint;
    const pending = chargePoint.call('ClearCache');
    const frame = await within(
      client.next((f) => f[2] === 'ClearCache'),
      1000,
      'ClearCache',
    );
    client.send([3, frame[1], { status: 'Accepted' }]);
    await expect(pending).resolves.toEqual({ status: 'Accepted' });
  });
});
