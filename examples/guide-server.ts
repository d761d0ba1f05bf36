/**
 * The user's guide, ported to TypeScript: a CSMS on port 9000 that offers the `ocpp1.6` subprotocol, takes
 * each charge point's identity from the request path and answers BootNotification. It uses `ws` directly,
 * the way the guide does; `OcppServer` (examples/mixed-versions.ts) does the same checks for you, and more.
 *
 * In a clone of the repository:
 *
 *   npx tsx examples/guide-server.ts              # PORT=9100 npx tsx examples/guide-server.ts for another port
 *   npm run ocppkit -- connect ws://localhost:9000/cp_id_1
 *   [2,"12345","BootNotification",{"chargePointVendor":"The Mobility House","chargePointModel":"Optimus"}]
 */
import type { AddressInfo } from 'node:net';
import { createConsoleLogger } from 'ocppkit/server';
import { Action, type BootNotificationRequest, ChargePoint, callResult, on, RegistrationStatus } from 'ocppkit/v16';
import { WebSocketServer } from 'ws';

// 'debug' logs every frame received and sent, with the charge point's identity.
const logger = createConsoleLogger('debug');

class MyChargePoint extends ChargePoint {
  @on(Action.BootNotification)
  onBootNotification({ chargePointVendor, chargePointModel }: BootNotificationRequest) {
    logger.info({ identity: this.identity, chargePointVendor, chargePointModel }, 'boot notification');
    return new callResult.BootNotification({
      currentTime: new Date().toISOString(),
      interval: 10,
      status: RegistrationStatus.Accepted,
    });
  }
}

const server = new WebSocketServer({
  port: Number(process.env.PORT ?? 9000),
  // Offer ocpp1.6 only. A client that does not list it gets no subprotocol, and is closed below.
  handleProtocols: (protocols) => (protocols.has('ocpp1.6') ? 'ocpp1.6' : false),
});

// For every new charge point that connects, create a ChargePoint and start listening for messages.
server.on('connection', async (ws, request) => {
  const requested = request.headers['sec-websocket-protocol'];
  if (!requested) {
    logger.info({}, "Client hasn't requested any subprotocol. Closing connection");
    return ws.close(1002, 'No subprotocol requested');
  }
  if (ws.protocol) {
    logger.info({ protocol: ws.protocol }, 'Protocols matched');
  } else {
    logger.warn({ expected: 'ocpp1.6', requested }, 'Protocols mismatched. Closing connection');
    return ws.close(1002, 'No supported subprotocol');
  }

  // The identity is the last path segment, percent-encoded: `RDAM%7C123` is `RDAM|123`.
  let chargePointId: string;
  try {
    chargePointId = decodeURIComponent(
      new URL(request.url ?? '/', 'ws://localhost').pathname.replace(/^\/+|\/+$/g, ''),
    );
  } catch {
    return ws.close(1008, 'Malformed identity');
  }
  if (chargePointId === '') return ws.close(1008, 'No identity');
  const chargePoint = new MyChargePoint(chargePointId, ws, { logger });
  await chargePoint.whenClosed();
});

server.on('listening', () => {
  logger.info({ port: (server.address() as AddressInfo).port }, 'WebSocket server started');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const ws of server.clients) ws.close(1001, 'Server shutting down');
    server.close();
  });
}
