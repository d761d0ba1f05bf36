/** The demo CSMS behind `ocppkit serve`, built on the public API only. */
import type { Logger } from '../logger.ts';
import type { Subprotocol } from '../protocol.ts';
import { type ChargePointFactory, OcppServer } from '../server.ts';
import { DemoChargePointV16 } from './csms-v16.ts';
import { DemoChargePointV21 } from './csms-v21.ts';
import { DemoChargePointV201 } from './csms-v201.ts';
import { type DemoSettings, DemoStore } from './store.ts';

export { DemoChargePointV16, DemoChargePointV21, DemoChargePointV201, DemoStore };

/** A connection of the demo CSMS, whichever version it speaks. */
export type DemoChargePoint = DemoChargePointV16 | DemoChargePointV201 | DemoChargePointV21;

/** The demo's ChargePoint factory per version: each hands the connection the demo's store. */
export interface DemoProtocols {
  'ocpp2.1'?: ChargePointFactory<DemoChargePointV21>;
  'ocpp2.0.1'?: ChargePointFactory<DemoChargePointV201>;
  'ocpp1.6'?: ChargePointFactory<DemoChargePointV16>;
}

export const ALL_PROTOCOLS: readonly Subprotocol[] = ['ocpp2.1', 'ocpp2.0.1', 'ocpp1.6'];

export interface DemoCsmsOptions {
  port?: number;
  host?: string;
  /** The subprotocols offered; default all three. */
  protocols?: readonly Subprotocol[];
  logger?: Logger;
  settings?: Partial<DemoSettings>;
}

/** Creates (not yet listening) the demo CSMS server and the store its charge points write to. */
export function createDemoCsms(options: DemoCsmsOptions = {}): {
  server: OcppServer<DemoProtocols>;
  store: DemoStore;
} {
  const store = new DemoStore(options.settings);
  // The store reaches each connection's ChargePoint through its constructor.
  const factories: Required<DemoProtocols> = {
    'ocpp2.1': (identity, connection, context) => new DemoChargePointV21(identity, connection, store, context),
    'ocpp2.0.1': (identity, connection, context) => new DemoChargePointV201(identity, connection, store, context),
    'ocpp1.6': (identity, connection, context) => new DemoChargePointV16(identity, connection, store, context),
  };
  const protocols: DemoProtocols = {};
  for (const protocol of options.protocols ?? ALL_PROTOCOLS) {
    (protocols as Record<Subprotocol, unknown>)[protocol] = factories[protocol];
  }
  const server = new OcppServer({
    protocols,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return { server, store };
}
