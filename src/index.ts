/**
 * `ocppkit`: what does not depend on an OCPP version, typed vendor messages (`defineVendor`, the runtime of the code
 * `ocppkit codegen vendor` generates) included. Import a version's API from `ocppkit/v16`, `ocppkit/v201` or
 * `ocppkit/v21`, the server from `ocppkit/server`.
 */

export { Call, CallResult } from './messages.ts';
export type { Direction, ProtocolSpec, Subprotocol, ValidationIssue, Validator } from './protocol.ts';
export * from './shared-exports.ts';
