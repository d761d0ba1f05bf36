/**
 * `ocppkit/v21`: OCPP 2.1. The generated payload types, enums, `Action`, `call`/`callResult` classes, handler
 * interfaces and validators, and the runtime bound to this version:
 * - `ChargePoint`: the CSMS side of one connection (handles what a charge point sends, calls the charge point);
 * - `Csms`: the charge-point side (handles what the CSMS sends, calls the CSMS);
 * - `Client`: a charge point that connects, reconnects and queues;
 * - `on` / `after`: handler decorators checked against this version's payloads.
 */
import { TRANSACTION_RULES } from '../transactions.ts';

export * from '../../generated/v21/index.ts';
/** The client's options, events, errors and queue store. */
export * from '../client/exports.ts';
export * from '../shared-exports.ts';

/** Whether a message is transaction-related in OCPP 2.1: queued while offline and retried. */
export const isTransactionRelated: (action: string, payload: object) => boolean =
  TRANSACTION_RULES['ocpp2.1'].isTransactionRelated;
