/**
 * The version-independent part of every public entry point (`ocppkit`, `ocppkit/v16`, `ocppkit/v201`,
 * `ocppkit/v21`): connection and error types, handler contracts, typed vendor messages (DataTransfer). One list,
 * re-exported by each.
 */

export type { CallArgs, CallOptions, SendOptions } from './call-args.ts';
export type { OcppConnection } from './connection.ts';
export { CloseCode } from './connection.ts';
export type { EndpointOptions } from './endpoint.ts';
export {
  CallAbortedError,
  CallError,
  type CallErrorOrigin,
  CallTimeoutError,
  ChargePointNotConnectedError,
  ConnectionClosedError,
  type ErrorCode,
  type ErrorDetails,
  HandlerTimeoutError,
  OcppError,
  ProtocolMismatchError,
  RequestValidationError,
  ResponseValidationError,
  ValidationError,
} from './errors.ts';
export type { EndpointEventMap } from './events.ts';
export type { Logger } from './logger.ts';
export type { AfterContext, HandlerContext, HandlerResult } from './messages.ts';
export type { ValidationIssue, Validator } from './protocol.ts';
export type { HandlerOptions } from './routing.ts';
export {
  type DataTransferAnswer,
  type DataTransferFallback,
  type DataTransferHandler,
  type DataTransferPeer,
  DataTransferRefusal,
  type DataTransferRefusalStatus,
  type DataTransferRequestV2,
  type DataTransferRequestV16,
  type DataTransferResponseV2,
  type DataTransferResponseV16,
  DataTransferStatusError,
  defineVendor,
  refuseDataTransfer,
  type Vendor,
  type VendorCallArgs,
  type VendorCallOptions,
  type VendorDirection,
  type VendorHandler,
  type VendorHandlerContext,
  type VendorHandlerOptions,
  type VendorHandlers,
  type VendorMessageSpec,
  type VendorMessagesOf,
  type VendorMessagesReceivedBy,
  type VendorMessagesSentBy,
  type VendorMessageTypes,
  VendorRequestValidationError,
  VendorResponseValidationError,
  VendorResultValidationError,
  type VendorSpec,
  validatorRuntime,
} from './vendor.ts';
