/** The charge-point-side client bound to OCPP 2.1. Exported by `ocppkit/v21`. */
import {
  type ChargePointSends,
  type ChargePointToCsms,
  type CsmsToChargePoint,
  protocol,
  validators,
} from '../../generated/v21/index.ts';
import { ChargePointClient, type ClientBinding, type ClientOptions } from './client.ts';
import { isV2Droppable, isV2TransactionRelated } from './v2.ts';

export * from './exports.ts';

/** No SEND messages in this direction. */
type NoSends = Record<never, never>;

/** 2.1 transaction-related messages: TransactionEvent (use cases E04, E12, E13, J02). */
export const isTransactionRelated: (action: string, payload: object) => boolean = isV2TransactionRelated;

const binding: ClientBinding = {
  endpoint: { protocol, validators, side: 'charge-point' },
  isTransactionRelated,
  isDroppable: isV2Droppable,
};

/**
 * An OCPP 2.1 charging station: connects to a CSMS, reconnects, pings, queues TransactionEvent messages. Subclass it
 * and add handlers for what the CSMS sends (`@on(Action.RequestStartTransaction)` or `V21ChargePointHandlers`
 * methods); `call()` takes only what a charging station sends.
 */
export class Client extends ChargePointClient<CsmsToChargePoint, ChargePointToCsms, NoSends, ChargePointSends> {
  /** Creates the client; `connect()` connects. */
  constructor(options: ClientOptions) {
    super(binding, options);
  }
}
