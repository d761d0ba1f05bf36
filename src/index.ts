/**
 * `ocppkit`: what does not depend on an OCPP version. Import a version's API from `ocppkit/v16`,
 * `ocppkit/v201` or `ocppkit/v21`, the server from `ocppkit/server`.
 */
export type { OcppConnection } from './connection.ts';
export { CloseCode } from './connection.ts';
export {
  CallAbortedError,
  CallError,
  type CallErrorOrigin,
  CallTimeoutError,
  ConnectionClosedError,
  type ErrorCode,
  type ErrorDetails,
  HandlerTimeoutError,
  OcppError,
  RequestValidationError,
  ResponseValidationError,
  ValidationError,
} from './errors.ts';
export type { Logger } from './logger.ts';
export { type AfterContext, Call, CallResult, type HandlerContext, type HandlerResult } from './messages.ts';
export type { Direction, ProtocolSpec, Subprotocol, ValidationIssue, Validator } from './protocol.ts';
