/**
 * A server under test, as a child process of the harness: `node --expose-gc server.js <system>`. Loads only that
 * system, listens on 127.0.0.1, reports "listening" over IPC, then answers memory and CPU requests. Exits when the
 * harness says stop or goes away.
 */
import { collect, memSample, type ServerRequest, type ServerSystem, toParent } from './lib/ipc.ts';
import type { StartServer } from './systems/types.ts';

const HOST = '127.0.0.1';

async function load(system: ServerSystem): Promise<StartServer> {
  switch (system) {
    case 'raw-ws':
      return (await import('./systems/raw-ws.ts')).start;
    case 'ocpp-rpc':
      return (await import('./systems/ocpp-rpc.ts')).start;
    case 'ocppkit':
      return (await import('./systems/ocppkit.ts')).start;
    case 'node-http':
      return (await import('./systems/node-http.ts')).start;
    case 'ocppkit-otel-none':
      return (await import('./systems/ocppkit-otel.ts')).startWithoutSdk;
    case 'ocppkit-otel-sdk':
      return (await import('./systems/ocppkit-otel.ts')).startWithSdk;
    case 'ocppkit-otel-console':
      return (await import('./systems/ocppkit-otel.ts')).startWithConsole;
  }
}

const system = process.argv[2] as ServerSystem;
const start = await load(system);
const server = await start(HOST);
toParent({ type: 'listening', port: server.port, readyMs: performance.now() });

process.on('message', async (message: ServerRequest) => {
  switch (message.type) {
    case 'mem': {
      await collect();
      toParent({ type: 'mem', mem: memSample(), connections: server.connections() });
      return;
    }
    case 'cpu': {
      const { user, system: sys } = process.cpuUsage();
      toParent({ type: 'cpu', user, system: sys, at: performance.now() });
      return;
    }
    case 'stop':
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
