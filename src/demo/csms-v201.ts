/** The demo CSMS for OCPP 2.0.1: a sensible answer to every message a 2.0.1 charging station sends. */
import type { ServedContext } from '../server.ts';
import { ChargePoint, type OcppConnection, type V201Handlers } from '../v201/index.ts';
import { withV2Answers } from './csms-v2.ts';
import type { DemoStore } from './store.ts';

/** A 2.0.1 connection of the demo CSMS: the store it writes to comes through the constructor. */
export class DemoChargePointV201 extends withV2Answers(ChargePoint) implements Required<V201Handlers> {
  constructor(
    identity: string,
    connection: OcppConnection,
    readonly store: DemoStore,
    context?: ServedContext,
  ) {
    super(identity, connection, context);
  }
}
