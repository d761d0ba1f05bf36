/**
 * The floor: a plain `ws` server that parses each frame and answers a fixed, pre-serialised CALLRESULT per action
 * (no validation, no routing beyond one lookup). It speaks just enough OCPP-J for the load generator.
 */
import { WebSocketServer } from 'ws';
import { BOOT_RESPONSE, HEARTBEAT_RESPONSE } from '../lib/payloads.ts';
import type { StartServer } from './types.ts';

const RESULTS = new Map<string, string>([
  ['BootNotification', JSON.stringify(BOOT_RESPONSE)],
  ['Heartbeat', JSON.stringify(HEARTBEAT_RESPONSE)],
]);

export const start: StartServer = async (host) => {
  const wss = new WebSocketServer({ port: 0, host, maxPayload: 1024 * 1024 });
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (!Array.isArray(frame) || frame[0] !== 2) return;
      const id = JSON.stringify(frame[1]);
      const payload = RESULTS.get(frame[2]);
      ws.send(payload === undefined ? `[4,${id},"NotImplemented","",{}]` : `[3,${id},${payload}]`);
    });
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected address');
  return { port: address.port, connections: () => wss.clients.size };
};
