/** The demo CSMS behind `ocppkit serve`, built on the public API only. */
import type { Logger } from '../logger.ts';
import type { Subprotocol } from '../protocol.ts';
import { type ChargePointClass, OcppServer } from '../server.ts';
import { createV16DemoChargePoint } from './csms-v16.ts';
import { createV21DemoChargePoint } from './csms-v21.ts';
import { createV201DemoChargePoint } from './csms-v201.ts';
import { type DemoSettings, DemoStore } from './store.ts';

export { DemoStore };

/** A connection of the demo CSMS, whichever version it speaks. */
export type DemoChargePoint = InstanceType<
  | ReturnType<typeof createV16DemoChargePoint>
  | ReturnType<typeof createV201DemoChargePoint>
  | ReturnType<typeof createV21DemoChargePoint>
>;

type DemoClasses = Partial<Record<Subprotocol, ChargePointClass<DemoChargePoint>>>;

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
export function createDemoCsms(options: DemoCsmsOptions = {}): { server: OcppServer<DemoClasses>; store: DemoStore } {
  const store = new DemoStore(options.settings);
  const classes: Record<Subprotocol, ChargePointClass<DemoChargePoint>> = {
    'ocpp2.1': createV21DemoChargePoint(store),
    'ocpp2.0.1': createV201DemoChargePoint(store),
    'ocpp1.6': createV16DemoChargePoint(store),
  };
  const protocols: DemoClasses = {};
  for (const protocol of options.protocols ?? ALL_PROTOCOLS) protocols[protocol] = classes[protocol];
  const server = new OcppServer({
    protocols,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return { server, store };
}
