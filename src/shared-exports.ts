/**
 * The version-independent part of every public entry point (`ocppkit`, `ocppkit/v16`, `ocppkit/v201`,
 * `ocppkit/v21`): connection and error types, handler contracts. One list, re-exported by each.
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
export type { HandlerOptions } from './routing.ts';
