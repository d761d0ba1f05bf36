/**
 * Which messages each version calls transaction-related (queued while offline and retried), and which of those the
 * queue's overflow rule may drop first. The readings are in codegen/data/transaction-messages.json.
 */
import type { Subprotocol } from './protocol.ts';

/** The queue's rules for one version. */
export interface TransactionRules {
  /** Transaction-related messages: queued (online or not) and retried. */
  readonly isTransactionRelated: (action: string, payload: object) => boolean;
  /** Which queued messages the overflow rule may drop first. */
  readonly isDroppable: (action: string, payload: object) => boolean;
}

/**
 * 1.6 (section 3.7): StartTransaction, StopTransaction, and MeterValues that belong to a transaction (they carry a
 * transactionId). The overflow rule drops meter values first; StartTransaction and StopTransaction are kept.
 */
const v16: TransactionRules = {
  isTransactionRelated: (action, payload) =>
    action === 'StartTransaction' ||
    action === 'StopTransaction' ||
    (action === 'MeterValues' && (payload as { transactionId?: unknown }).transactionId !== undefined),
  isDroppable: (action) => action === 'MeterValues',
};

/**
 * 2.0.1 and 2.1: TransactionEvent (use cases E04, E12, E13; meter values of a transaction travel in it, J02). The
 * overflow rule drops `Updated` events first; `Started` and `Ended` are kept.
 */
const v2: TransactionRules = {
  isTransactionRelated: (action) => action === 'TransactionEvent',
  isDroppable: (action, payload) =>
    action === 'TransactionEvent' && (payload as { eventType?: unknown }).eventType === 'Updated',
};

/** The rules of every version, by subprotocol. */
export const TRANSACTION_RULES: Readonly<Record<Subprotocol, TransactionRules>> = {
  'ocpp1.6': v16,
  'ocpp2.0.1': v2,
  'ocpp2.1': v2,
};
