/** The charge-point-side client bound to OCPP 1.6 (with the 1.6 security extension). Exported by `ocppkit/v16`. */
import {
  type ChargePointSends,
  type ChargePointToCsms,
  type CsmsToChargePoint,
  protocol,
  validators,
} from '../../generated/v16/index.ts';
import { ChargePointClient, type ClientBinding, type ClientOptions } from './client.ts';

export * from './exports.ts';

/** No SEND messages in this direction. */
type NoSends = Record<never, never>;

/**
 * 1.6 transaction-related messages (OCPP 1.6 section 3.7): StartTransaction, StopTransaction, and MeterValues that
 * belong to a transaction (they carry a transactionId; see codegen/data/transaction-messages.json for this reading).
 */
export function isTransactionRelated(action: string, payload: object): boolean {
  return (
    action === 'StartTransaction' ||
    action === 'StopTransaction' ||
    (action === 'MeterValues' && (payload as { transactionId?: unknown }).transactionId !== undefined)
  );
}

const binding: ClientBinding = {
  endpoint: { protocol, validators, side: 'charge-point' },
  isTransactionRelated,
  // the overflow rule drops meter values first; StartTransaction and StopTransaction are kept
  isDroppable: (action) => action === 'MeterValues',
};

/**
 * An OCPP 1.6 charge point: connects to a CSMS, reconnects, pings, queues transaction-related messages. Subclass it
 * and add handlers for what the CSMS sends (`@on(Action.RemoteStartTransaction)` or `V16ChargePointHandlers`
 * methods); `call()` takes only what a charge point sends.
 */
export class Client extends ChargePointClient<CsmsToChargePoint, ChargePointToCsms, NoSends, ChargePointSends> {
  /** Creates the client; `connect()` connects. */
  constructor(options: ClientOptions) {
    super(binding, options);
  }
}
