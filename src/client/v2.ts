/** What 2.0.1 and 2.1 share on the client side. */

/** 2.x transaction-related messages: TransactionEvent (meter values of a transaction travel in it, J02). */
export function isV2TransactionRelated(action: string): boolean {
  return action === 'TransactionEvent';
}

/** The overflow rule drops `Updated` events first; `Started` and `Ended` are kept. */
export function isV2Droppable(action: string, payload: object): boolean {
  return action === 'TransactionEvent' && (payload as { eventType?: unknown }).eventType === 'Updated';
}
