/** The types of typed vendor messages: their specs, the calls and handlers each side gets. */
import type { CallOptions } from '../call-args.ts';
import type { CallResult, HandlerContext } from '../messages.ts';
import type { Subprotocol, Validator } from '../protocol.ts';
import type { kMaps } from '../routing.ts';
import type { DataTransferRefusal, DataTransferStatus } from './errors.ts';

/** Which side sends a vendor message's request: the charge point, the CSMS, or either. */
export type VendorDirection = 'cp-to-csms' | 'csms-to-cp' | 'both';

/** The DataTransfer request of OCPP 1.6: `data` is a string. */
export interface DataTransferRequestV16 {
  /** Who defines the message (a reversed domain name, by convention). */
  vendorId: string;
  /** Which of the vendor's messages it is. */
  messageId?: string;
  /** The message's data, as text (typed vendor messages put JSON here). */
  data?: string;
}

/** The DataTransfer response of OCPP 1.6: `data` is a string. */
export interface DataTransferResponseV16 {
  /** Whether the receiver took the message. */
  status: DataTransferStatus;
  /** The answer's data, as text. */
  data?: string;
}

/** The DataTransfer request of OCPP 2.0.1 and 2.1: `data` is any JSON value. */
export interface DataTransferRequestV2 {
  /** Who defines the message (a reversed domain name, by convention). */
  vendorId: string;
  /** Which of the vendor's messages it is. */
  messageId?: string;
  /** The message's data, any JSON value. */
  data?: unknown;
}

/** The DataTransfer response of OCPP 2.0.1 and 2.1: `data` is any JSON value. */
export interface DataTransferResponseV2 {
  /** Whether the receiver took the message. */
  status: DataTransferStatus;
  /** The answer's data, any JSON value. */
  data?: unknown;
}

/** The types of one vendor message: its request data, its response data and who sends the request. */
export interface VendorMessageTypes {
  /** The type of the request's data. */
  request: unknown;
  /** The type of the response's data. */
  response: unknown;
  /** Who sends the request. */
  direction: VendorDirection;
}

/** A map of vendor messages by message id, as an interface or a type: `{ SetLimit: { request; response; direction } }`. */
export type VendorMessagesOf<M> = { [K in keyof M]: VendorMessageTypes };

/** What `defineVendor()` needs of one message: who sends it and the validators of its data. */
export interface VendorMessageSpec<Request, Response, D extends VendorDirection = VendorDirection> {
  /** Who sends the request. */
  readonly direction: D;
  /** Checks the request's data (a type guard that leaves its first error in `errors`, as ajv's validators do). */
  readonly request: Validator<Request>;
  /** Checks the response's data. */
  readonly response: Validator<Response>;
}

/** What `defineVendor()` takes: the vendor id and one spec per message. */
export interface VendorSpec<M extends VendorMessagesOf<M>> {
  /** The DataTransfer `vendorId` of every message (at most 255 characters). */
  readonly vendorId: string;
  /** The messages by their DataTransfer `messageId` (at most 50 characters each). */
  readonly messages: {
    readonly [K in keyof M]: VendorMessageSpec<M[K]['request'], M[K]['response'], M[K]['direction']>;
  };
}

/**
 * What `vendor.call()` calls through: the endpoint of either side (`ChargePoint`, `Csms`) or a charge point's
 * `Client`, of any version. `protocol` picks the encoding of `data`.
 */
export interface DataTransferPeer {
  /** The OCPP version of the connection. */
  readonly protocol: Subprotocol;
  /** Sends a DataTransfer and resolves with its response. */
  call(action: 'DataTransfer', payload: DataTransferRequestV2, options?: CallOptions): Promise<object>;
}

/** The side a peer's calls come from, read from its type: a charge point's calls include BootNotification. */
type SideOf<T> = T extends { readonly [kMaps]: { outgoing: infer Out } }
  ? 'BootNotification' extends keyof Out
    ? 'charge-point'
    : 'csms'
  : 'charge-point' | 'csms';

/** The directions a side sends. */
type SentDirection<S> = (S extends 'csms' ? 'csms-to-cp' : 'cp-to-csms') | 'both';

/** The message ids of `M` that side `S` sends. */
export type VendorMessagesSentBy<M extends VendorMessagesOf<M>, S extends 'csms' | 'charge-point'> = {
  [K in keyof M]: M[K]['direction'] extends SentDirection<S> ? K : never;
}[keyof M] &
  string;

/** The message ids of `M` that side `S` receives. */
export type VendorMessagesReceivedBy<
  M extends VendorMessagesOf<M>,
  S extends 'csms' | 'charge-point',
> = VendorMessagesSentBy<M, S extends 'csms' ? 'charge-point' : 'csms'>;

/** Options of `vendor.call()`: those of any call, and leniency for `date-time` values in the response's data. */
export interface VendorCallOptions extends CallOptions {
  /** Accept `date-time` values without a UTC offset in the data. Default `false`. */
  lenientDateTime?: boolean;
}

/** The arguments after the message id: the data (optional when the schema allows none) and the options. */
export type VendorCallArgs<R> = undefined extends R
  ? [data?: R, options?: VendorCallOptions]
  : [data: R, options?: VendorCallOptions];

/** What a vendor message handler learns about the message, besides its data. */
export interface VendorHandlerContext extends HandlerContext {
  /** The `vendorId` as received. */
  readonly vendorId: string;
  /** The DataTransfer `messageId` as received (`messageId` is the OCPP message id of the CALL). */
  readonly vendorMessageId: string;
  /** The DataTransfer request as received (`data` not decoded). */
  readonly request: Readonly<DataTransferRequestV2>;
}

/**
 * A vendor message handler: the request's data in, the response's data out (or a `refuseDataTransfer()`), at once
 * or as a promise. An `OcppError` it throws answers with that CALLERROR; anything else answers `InternalError`.
 */
export type VendorHandler<T extends VendorMessageTypes> = (
  data: T['request'],
  context: VendorHandlerContext,
) => T['response'] | DataTransferRefusal | Promise<T['response'] | DataTransferRefusal>;

/** Handlers of the messages side `S` receives, each optional: a message without one goes to the fallback. */
export type VendorHandlers<M extends VendorMessagesOf<M>, S extends 'csms' | 'charge-point'> = {
  [K in VendorMessagesReceivedBy<M, S>]?: VendorHandler<M[K]>;
};

/** What the fallback, a plain DataTransfer handler, may answer. */
export type DataTransferAnswer =
  | DataTransferResponseV16
  | DataTransferResponseV2
  | CallResult<'DataTransfer', DataTransferResponseV2>;

/**
 * The plain DataTransfer handler that gets what is no message of this vendor (another `vendorId`, another
 * `messageId`, or a message this side never receives): the application's own `onDataTransfer`, of any version.
 */
export type DataTransferFallback = {
  // a method, so that a handler typed for one version's request is accepted
  /** Answers a DataTransfer that is no typed vendor message of this side. */
  handle(request: DataTransferRequestV2, context: HandlerContext): DataTransferAnswer | Promise<DataTransferAnswer>;
}['handle'];

/** Options of `vendor.handlers()` and `vendor.chargePointHandlers()`. */
export interface VendorHandlerOptions {
  /**
   * The plain DataTransfer handler for anything else. Without one, another `vendorId` is answered
   * `UnknownVendorId` and another `messageId` `UnknownMessageId`.
   */
  fallback?: DataTransferFallback;
  /** Do not validate the data of requests nor of the responses returned. Default `false`. */
  skipValidation?: boolean;
  /** Accept `date-time` values without a UTC offset in the requests' data. Default `false`. */
  lenientDateTime?: boolean;
}

/**
 * The `onDataTransfer` handler built by `vendor.handlers()`: a method of any version's handler interface (CSMS or
 * charge point side). Put it in an object of handlers (`{ onDataTransfer: vendor.handlers({ … }) }`) or call it
 * from a class's own `onDataTransfer(request, context)`. It calls the vendor handlers with its own `this`.
 */
export interface DataTransferHandler {
  (this: unknown, request: DataTransferRequestV16, context: HandlerContext): Promise<DataTransferResponseV16>;
  (this: unknown, request: DataTransferRequestV2, context: HandlerContext): Promise<DataTransferResponseV2>;
}

/** The typed vendor messages of one vendor, made by `defineVendor()` (or the generated module's `vendor`). */
export interface Vendor<M extends VendorMessagesOf<M>> {
  /** The DataTransfer `vendorId` of these messages. */
  readonly vendorId: string;
  /** The message specs, as given to `defineVendor()`. */
  readonly messages: VendorSpec<M>['messages'];
  /**
   * Sends the vendor message `messageId` with `data` through `target` (an endpoint or a client) and resolves with
   * the response's data. Only messages the target's side sends compile. Rejects with
   * `VendorRequestValidationError` (nothing sent) when `data` fails its schema, with `DataTransferStatusError` when
   * the answer's status is not `Accepted`, with `VendorResultValidationError` when the answer's data fails its
   * schema, and as `call()` does otherwise (`CallError`, `CallTimeoutError`, …).
   */
  call<T extends DataTransferPeer, K extends VendorMessagesSentBy<M, SideOf<T>>>(
    target: T,
    messageId: K,
    ...args: VendorCallArgs<M[K]['request']>
  ): Promise<M[K]['response']>;
  /**
   * The CSMS side's `onDataTransfer`: handles the messages a charge point sends (`cp-to-csms` and `both`) with
   * `handlers`; anything else goes to the fallback.
   */
  handlers(
    handlers: VendorHandlers<M, 'csms'>,
    options?: DataTransferFallback | VendorHandlerOptions,
  ): DataTransferHandler;
  /**
   * The charge point side's `onDataTransfer`: handles the messages the CSMS sends (`csms-to-cp` and `both`) with
   * `handlers`; anything else goes to the fallback.
   */
  chargePointHandlers(
    handlers: VendorHandlers<M, 'charge-point'>,
    options?: DataTransferFallback | VendorHandlerOptions,
  ): DataTransferHandler;
}
