/** Small ChargePoint classes and a way to start an OcppServer on a free port of 127.0.0.1 that is closed after each test. */
import { afterEach } from 'vitest';
import { OcppServer, type OcppServerOptions, type ProtocolClasses } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';

const now = () => new Date().toISOString();

export class CsmsV16 extends v16.ChargePoint {
  @v16.on(v16.Action.BootNotification)
  boot(_request: v16.BootNotificationRequest) {
    return { currentTime: now(), interval: 10, status: v16.RegistrationStatus.Accepted };
  }
}

export class CsmsV201 extends v201.ChargePoint {
  onBootNotification() {
    return { currentTime: now(), interval: 10, status: v201.RegistrationStatusEnumType.Accepted };
  }
}

export class CsmsV21 extends v21.ChargePoint {
  onBootNotification() {
    return { currentTime: now(), interval: 10, status: v21.RegistrationStatusEnumType.Accepted };
  }
}

export const ALL = { 'ocpp1.6': CsmsV16, 'ocpp2.0.1': CsmsV201, 'ocpp2.1': CsmsV21 };

const running: OcppServer<ProtocolClasses>[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** An OcppServer listening on a free port of 127.0.0.1; closed after the test. */
export async function startServer<P extends ProtocolClasses, S = unknown>(options: OcppServerOptions<P, S>) {
  const server = new OcppServer<P, S>({ host: '127.0.0.1', port: 0, ...options });
  running.push(server as unknown as OcppServer<ProtocolClasses>);
  const { port } = await server.listen();
  return { server, port, url: (path: string) => `ws://127.0.0.1:${port}${path}` };
}
