/**
 * A CSMS in its own process for the flood tests, so that one that runs out of memory dies alone and the test can
 * see it. 2.0.1: Heartbeat answers at once; DataTransfer's handler holds its answer for 60 s. Run by the test with
 * `fork(…, { execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=1024'] })`.
 *
 * Out: { type: 'ready', port } · { type: 'memory', rss, heap } (after a full GC) on { type: 'memory' }
 */
import { OcppServer } from '../../src/server.ts';
import * as v201 from '../../src/v201/index.ts';

class Csms extends v201.ChargePoint {
  onHeartbeat() {
    return { currentTime: new Date().toISOString() };
  }
  onDataTransfer(_request: v201.DataTransferRequest, context: v201.HandlerContext) {
    return new Promise<v201.DataTransferResponse>((resolve) => {
      const timer = setTimeout(() => resolve({ status: v201.DataTransferStatusEnumType.Accepted }), 60_000);
      context.signal.addEventListener('abort', () => clearTimeout(timer));
    });
  }
}

const server = new OcppServer({ host: '127.0.0.1', port: 0, protocols: { 'ocpp2.0.1': Csms } });
const { port } = await server.listen();
process.send?.({ type: 'ready', port });
process.on('message', (message: { type: string }) => {
  if (message.type !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.send?.({ type: 'memory', rss, heap: heapUsed });
});
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
