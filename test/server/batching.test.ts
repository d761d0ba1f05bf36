/**
 * Write batching over real sockets: the answers to the frames of one read leave in one write, and a write made
 * outside a read (a call from the application) is not held back.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type * as v16 from '../../src/v16/index.ts';
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

describe('write batching', () => {
  it('six CALLs arriving in one read are answered in one write', async () => {
    const { server, url } = await startServer({ protocols: { 'ocpp1.6': CsmsV16 } });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    const chargePoint = server.get('CP_1');
    if (chargePoint === undefined) throw new Error('CP_1 not connected');
    const writes = countWrites(tcpSocketOf(chargePoint.connection));

    // the client sends the six frames in one TCP write
    const clientSocket = tcpSocketOf(client.ws);
    clientSocket.cork();
    for (let i = 0; i < 6; i++) client.send([2, `boot-${i}`, 'BootNotification', BOOT['ocpp1.6']]);
    clientSocket.uncork();

    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.next((frame) => frame[1] === `boot-${i}`)),
    );
    expect(answers.map((frame) => frame[0])).toEqual([3, 3, 3, 3, 3, 3]);
    expect(writes.count).toBe(1);
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
