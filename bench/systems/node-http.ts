/** A reference for start-up figures only: Node itself with an http server listening, nothing else loaded. */
import { createServer } from 'node:http';
import type { StartServer } from './types.ts';

export const start: StartServer = async (host) => {
  const server = createServer((_req, res) => res.writeHead(426).end());
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected address');
  return { port: address.port, connections: () => 0 };
};
