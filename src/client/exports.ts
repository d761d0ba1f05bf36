/** What every version binding exports of the client besides its `Client` class. */
export { basicAuthHeader } from '../auth.ts';
export { type BackOffOptions, DEFAULT_BACK_OFF, type Timers } from './backoff.ts';
export { ChargePointClient } from './client.ts';
export { ClientStoppedError, ConnectError, NotConnectedError, QueueOverflowError, SubprotocolError } from './errors.ts';
export type {
  ClientCloseEvent,
  ClientEmitter,
  ClientErrorEvent,
  ClientEventMap,
  ConnectErrorEvent,
  ConnectingEvent,
  OpenEvent,
  QueueDeliveredEvent,
  QueueDroppedEvent,
  QueueErrorEvent,
  QueueRetryEvent,
  ReconnectScheduledEvent,
} from './events.ts';
export { FileQueueStore, type FileQueueStoreOptions, QueueStoreCorruptError } from './file-store.ts';
export { type ClientOptions, type ClientState, type ClientTlsOptions, connectionUrl } from './options.ts';
export { MemoryQueueStore, QUEUE_DEFAULTS, type QueuedMessage, type QueueOptions, type QueueStore } from './queue.ts';
