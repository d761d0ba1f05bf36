/**
 * `ocppkit`: what does not depend on an OCPP version. Import a version's API from `ocppkit/v16`,
 * `ocppkit/v201` or `ocppkit/v21`, the server from `ocppkit/server`.
 */

export { Call, CallResult } from './messages.ts';
export type { Direction, ProtocolSpec, Subprotocol, ValidationIssue, Validator } from './protocol.ts';
export * from './shared-exports.ts';
