/**
 * What generated code may use of the runtime, and all it may use: every file under `generated/` imports from this
 * module and from no other file of `src/` (test/codegen/fence.test.ts checks it). This is the contract between
 * codegen and the runtime: a runtime change outside this list cannot break generated code, and a change to this
 * list is a change for codegen too.
 */
export { ChargePointClient } from './client/client.ts';
export type { ClientOptions } from './client/options.ts';
export { OcppEndpoint } from './endpoint.ts';
export { formats, ucs2length } from './formats.ts';
export { Call, CallResult, type HandlerContext, type HandlerResult } from './messages.ts';
export type { ProtocolSpec, Validator } from './protocol.ts';
export type { VersionSide } from './router.ts';
export { type AfterDecorator, after, type OnDecorator, on } from './routing.ts';
