/** ocpp-rpc's RPCServer in strict mode (requests and responses validated), one handler per action. */
import { RPCServer } from 'ocpp-rpc';
import { BOOT_RESPONSE, HEARTBEAT_RESPONSE, PROTOCOL } from '../lib/payloads.ts';
import type { StartServer } from './types.ts';

export const start: StartServer = async (host) => {
  const server = new RPCServer({ protocols: [PROTOCOL], strictMode: true });
  let open = 0;
  server.on(
    'client',
    (client: { handle: (m: string, h: () => object) => void; once: (e: 'close', l: () => void) => void }) => {
      open++;
      client.once('close', () => open--);
      client.handle('BootNotification', () => BOOT_RESPONSE);
      client.handle('Heartbeat', () => HEARTBEAT_RESPONSE);
    },
  );
  const http = await server.listen(0, host);
  const address = http.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected address');
  return { port: address.port, connections: () => open };
};
