/** The demo CSMS behind `ocppkit serve`, built on the public API only. */
import type { Logger } from '../logger.ts';
import type { Subprotocol } from '../protocol.ts';
import { type ChargePointFactory, OcppServer } from '../server.ts';
import * as v16 from '../v16/index.ts';
import * as v21 from '../v21/index.ts';
import * as v201 from '../v201/index.ts';
import { v16Handlers } from './csms-v16.ts';
import { v21Handlers } from './csms-v21.ts';
import { v201Handlers } from './csms-v201.ts';
import { type DemoSettings, DemoStore, type StoredMeterValue } from './store.ts';

export { type DemoSettings, DemoStore, type StoredMeterValue, v16Handlers, v21Handlers, v201Handlers };

/** A connection of the demo CSMS, whichever version it speaks: that version's `ChargePoint`. */
export type DemoChargePoint = v16.ChargePoint | v201.ChargePoint | v21.ChargePoint;

/** The demo's ChargePoint factory per version: each serves the connection with the version's demo handlers. */
export interface DemoProtocols {
  'ocpp2.1'?: ChargePointFactory<v21.ChargePoint>;
  'ocpp2.0.1'?: ChargePointFactory<v201.ChargePoint>;
  'ocpp1.6'?: ChargePointFactory<v16.ChargePoint>;
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
  // One object of handlers per version, writing to this server's store, serves every connection of that version.
  const handlers21 = v21Handlers(store);
  const handlers201 = v201Handlers(store);
  const handlers16 = v16Handlers(store);
  const factories: Required<DemoProtocols> = {
    'ocpp2.1': (identity, connection, context) =>
      new v21.ChargePoint(identity, connection, { ...context, handlers: handlers21 }),
    'ocpp2.0.1': (identity, connection, context) =>
      new v201.ChargePoint(identity, connection, { ...context, handlers: handlers201 }),
    'ocpp1.6': (identity, connection, context) =>
      new v16.ChargePoint(identity, connection, { ...context, handlers: handlers16 }),
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
