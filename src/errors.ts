/**
 * Errors of ocppkit and the OCPP-J error codes.
 *
 * The error-code tables follow the OCPP-J specifications of each version (docs/server-side-usage.md, "Error codes by
 * fault and version", shows them): each version sends only its own spelling, and any spelling is accepted on receipt. `FAULT_CODES` is the one table that says which code answers which fault; everything that
 * answers a CALLERROR goes through `errorCodeFor`.
 */
import type { Subprotocol, ValidationIssue } from './protocol.ts';
import { EMPTY } from './util.ts';

/** The error codes OCPP-J 1.6 sends (1.6 keeps the `Occurence` spelling and says `FormationViolation`). */
export const V16_ERROR_CODES = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
] as const;

/**
 * The error codes of OCPP 2.0.1 and 2.1. `MessageTypeNotSupported` is understood on receipt and never sent
 * (deprecated by the 2026-06 errata; unknown message types are ignored instead).
 */
export const V2_ERROR_CODES = [
  'FormatViolation',
  'GenericError',
  'InternalError',
  'MessageTypeNotSupported',
  'NotImplemented',
  'NotSupported',
  'OccurrenceConstraintViolation',
  'PropertyConstraintViolation',
  'ProtocolError',
  'RpcFrameworkError',
  'SecurityError',
  'TypeConstraintViolation',
] as const;

/** An error code of OCPP-J 1.6. */
export type V16ErrorCode = (typeof V16_ERROR_CODES)[number];
/** An error code of OCPP-J 2.0.1 and 2.1. */
export type V2ErrorCode = (typeof V2_ERROR_CODES)[number];
/** Any OCPP-J error code of any version. */
export type ErrorCode = V16ErrorCode | V2ErrorCode;

/** Error details: a JSON object, `{}` when empty. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** The error codes `version` may send. */
export function sendableErrorCodes(version: Subprotocol): readonly ErrorCode[] {
  return version === 'ocpp1.6' ? V16_ERROR_CODES : V2_ERROR_CODES.filter((c) => c !== 'MessageTypeNotSupported');
}

/** A fault found while handling a received CALL (or a received CALLRESULT, for CALLRESULTERROR on 2.1). */
export type Fault =
  /** Not JSON, not an array, message type or id unreadable. */
  | 'frame-unreadable'
  /** Wrong arity, action not a string, id not a string of 1–36 characters. */
  | 'frame-malformed'
  /** A readable frame whose payload is not a JSON object: "payload for action is syntactically incorrect". */
  | 'payload-not-object'
  /** The action is not in this version's list (case-sensitive). */
  | 'unknown-action'
  /** A known action with no handler here, or sent in the wrong direction. */
  | 'not-supported'
  /** Schema: `required`, `minItems`, `maxItems`. */
  | 'occurrence'
  /** Schema: `type`, `minLength`, `maxLength`. */
  | 'type'
  /** Schema: `enum`, `minimum`, `maximum`, `exclusive*`, `multipleOf`, `format`, `pattern`, `const`. */
  | 'property'
  /** Schema: `additionalProperties` (and any other structural keyword). */
  | 'format'
  /** The same id arrived while the CALL with that id is still being handled. */
  | 'duplicate-id'
  /** More CALLs at once than the connection handles and queues (`maxConcurrentCalls`, `maxQueuedCalls`). */
  | 'too-many-calls'
  /** The handler threw something other than an `OcppError`, or missed its deadline. */
  | 'handler-failed'
  /** The handler returned a response that fails the response schema. */
  | 'invalid-response';

/**
 * Which error code answers which fault, per version (docs/server-side-usage.md shows it as a table).
 * A documented choice, kept in this one place.
 */
export const FAULT_CODES: Readonly<Record<Fault, { readonly v16: V16ErrorCode; readonly v2: V2ErrorCode }>> = {
  'frame-unreadable': { v16: 'FormationViolation', v2: 'RpcFrameworkError' },
  'frame-malformed': { v16: 'FormationViolation', v2: 'RpcFrameworkError' },
  'payload-not-object': { v16: 'FormationViolation', v2: 'FormatViolation' },
  'unknown-action': { v16: 'NotImplemented', v2: 'NotImplemented' },
  'not-supported': { v16: 'NotSupported', v2: 'NotSupported' },
  occurrence: { v16: 'OccurenceConstraintViolation', v2: 'OccurrenceConstraintViolation' },
  type: { v16: 'TypeConstraintViolation', v2: 'TypeConstraintViolation' },
  property: { v16: 'PropertyConstraintViolation', v2: 'PropertyConstraintViolation' },
  format: { v16: 'FormationViolation', v2: 'FormatViolation' },
  'duplicate-id': { v16: 'ProtocolError', v2: 'RpcFrameworkError' },
  'too-many-calls': { v16: 'GenericError', v2: 'GenericError' },
  'handler-failed': { v16: 'InternalError', v2: 'InternalError' },
  'invalid-response': { v16: 'InternalError', v2: 'InternalError' },
};

/** The generic description sent for faults whose cause must not leak to the peer. */
export const INTERNAL_ERROR_DESCRIPTION = 'An internal error occurred while handling the request';

/** The error code `version` sends for `fault`. */
export function errorCodeFor(version: Subprotocol, fault: Fault): ErrorCode {
  const codes = FAULT_CODES[fault];
  return version === 'ocpp1.6' ? codes.v16 : codes.v2;
}

/** Which fault a failed JSON-schema keyword is. Keywords not in the table are structural: `format`. */
export function schemaFault(keyword: string): Fault {
  switch (keyword) {
    case 'required':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
      return 'occurrence';
    case 'type':
    case 'minLength':
    case 'maxLength':
      return 'type';
    case 'enum':
    case 'const':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf':
    case 'format':
    case 'pattern':
    case 'uniqueItems':
      return 'property';
    default:
      return 'format';
  }
}

/** Spellings of one meaning across versions: what a code becomes when `version` has to send it. */
const V16_ALIASES: Readonly<Record<string, V16ErrorCode>> = {
  FormatViolation: 'FormationViolation',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
  RpcFrameworkError: 'ProtocolError',
  MessageTypeNotSupported: 'ProtocolError',
};
const V2_ALIASES: Readonly<Record<string, V2ErrorCode>> = {
  FormationViolation: 'FormatViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
  MessageTypeNotSupported: 'RpcFrameworkError',
};
const V16_SET: ReadonlySet<string> = new Set(V16_ERROR_CODES);
const V2_SET: ReadonlySet<string> = new Set(sendableErrorCodes('ocpp2.0.1'));

/**
 * The code `version` sends for `code`, e.g. an `OcppError('FormatViolation')` thrown by a 1.6 handler goes out as
 * `FormationViolation`. A code no version knows becomes `GenericError`.
 */
export function wireErrorCode(version: Subprotocol, code: string): ErrorCode {
  if (version === 'ocpp1.6') {
    if (V16_SET.has(code)) return code as V16ErrorCode;
    return Object.hasOwn(V16_ALIASES, code) ? (V16_ALIASES[code] as V16ErrorCode) : 'GenericError';
  }
  if (V2_SET.has(code)) return code as V2ErrorCode;
  return Object.hasOwn(V2_ALIASES, code) ? (V2_ALIASES[code] as V2ErrorCode) : 'GenericError';
}

/** The longest errorDescription OCPP-J allows. */
export const MAX_DESCRIPTION_LENGTH = 255;

/** Cut a description to 255 characters without splitting a surrogate pair. */
export function clampDescription(description: string): string {
  if (description.length <= MAX_DESCRIPTION_LENGTH) return description;
  let cut = description.slice(0, MAX_DESCRIPTION_LENGTH);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

/**
 * What a schema failure says to the peer: where and what, in words built from the keyword and the schema's
 * parameters (the ahead-of-time validators carry no messages). Never the offending value.
 */
export function describeIssue(issue: ValidationIssue): string {
  const where = issue.instancePath === '' ? 'payload' : issue.instancePath;
  return clampDescription(`${where}: ${issueText(issue)}`);
}

function issueText(issue: ValidationIssue): string {
  const p = issue.params;
  switch (issue.keyword) {
    case 'required':
      return `missing required property "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      // The name is the peer's own text: the description never echoes it (the event and the log have it).
      return 'has a property the schema does not allow';
    case 'type':
      return `must be ${String(p.type)}`;
    case 'maxLength':
      return `must not be longer than ${String(p.limit)} characters`;
    case 'minLength':
      return `must not be shorter than ${String(p.limit)} characters`;
    case 'maxItems':
      return `must not have more than ${String(p.limit)} items`;
    case 'minItems':
      return `must not have fewer than ${String(p.limit)} items`;
    case 'enum':
      return 'must be one of the allowed values';
    case 'const':
      return 'must be equal to the allowed value';
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}`;
    case 'multipleOf':
      return `must be a multiple of ${String(p.multipleOf)}`;
    case 'format':
      return `must match format "${String(p.format)}"`;
    case 'pattern':
      return 'must match the pattern of its schema';
    default:
      return issue.message ?? `fails "${issue.keyword}"`;
  }
}

/**
 * Throw this from a handler to answer with a specific CALLERROR: `throw new OcppError('NotSupported', 'No such
 * connector')`. The code is translated to the connection's version (`FormatViolation` ↔ `FormationViolation`);
 * the description is cut to 255 characters. Anything else a handler throws answers `InternalError` and leaks
 * nothing.
 */
export class OcppError extends Error {
  override readonly name: string = 'OcppError';
  /** The error code to answer with, in either version's spelling. */
  readonly code: ErrorCode;
  /** The error description sent (at most 255 characters). */
  readonly description: string;
  /** The error details sent: a JSON object. */
  readonly details: ErrorDetails;

  /** An error that answers the CALL with `code`, `description` and `details`. */
  constructor(code: ErrorCode, description = '', details: ErrorDetails = EMPTY, options?: ErrorOptions) {
    super(description === '' ? code : `${code}: ${description}`, options);
    this.code = code;
    this.description = clampDescription(description);
    this.details = details;
  }
}

/** Which frame made an outgoing call fail. */
export type CallErrorOrigin =
  /** The peer answered CALLERROR. */
  | 'callerror'
  /** The peer answered CALLRESULTERROR (2.1). */
  | 'callresulterror'
  /** The peer's CALLRESULT was malformed or failed its schema (on 2.1 a CALLRESULTERROR went back). */
  | 'invalid-result';

/**
 * The rejection of `call()` when the call failed on the OCPP level: the peer answered CALLERROR (or, 2.1,
 * CALLRESULTERROR), or its CALLRESULT failed the response schema. `code` is as received, in any spelling.
 */
export class CallError extends Error {
  override readonly name: string = 'CallError';
  /** The error code received, as spelt by the peer. */
  readonly code: string;
  /** The error description received. */
  readonly description: string;
  /** The error details received. */
  readonly details: ErrorDetails;
  /** The action of the failed call. */
  readonly action: string;
  /** The message id of the failed call. */
  readonly messageId: string;
  /** Which frame made the call fail. */
  readonly origin: CallErrorOrigin;

  /** The failure of the call of `action` (`messageId`), answered with `code`. */
  constructor(
    action: string,
    messageId: string,
    code: string,
    description: string,
    details: ErrorDetails,
    origin: CallErrorOrigin = 'callerror',
  ) {
    super(`${action} (${messageId}) failed: ${code}${description === '' ? '' : ` - ${description}`}`);
    this.code = code;
    this.description = description;
    this.details = details;
    this.action = action;
    this.messageId = messageId;
    this.origin = origin;
  }
}

/** The rejection of `call()` when no answer came within the timeout. */
export class CallTimeoutError extends Error {
  override readonly name: string = 'CallTimeoutError';
  /** The timeout of the call of `action` (`messageId`) after `timeout` ms. */
  constructor(
    /** The action of the call. */
    readonly action: string,
    /** The message id of the call. */
    readonly messageId: string,
    /** The timeout that passed, in ms. */
    readonly timeout: number,
  ) {
    super(`${action} (${messageId}) got no answer within ${timeout} ms`);
  }
}

/** The rejection of `call()` when its AbortSignal aborted. `cause` is the signal's reason. */
export class CallAbortedError extends Error {
  override readonly name: string = 'CallAbortedError';
  /** The abort of the call of `action` (`messageId`); `reason` becomes `cause`. */
  constructor(
    /** The action of the call. */
    readonly action: string,
    /** The message id of the call. */
    readonly messageId: string,
    reason?: unknown,
  ) {
    super(`${action} (${messageId}) was aborted`, { cause: reason });
  }
}

/** The rejection of `call()` (queued or waiting) when the connection closed, or of a call made after it closed. */
export class ConnectionClosedError extends Error {
  override readonly name: string = 'ConnectionClosedError';
  /** The failure of the call of `action` (`messageId`) because the connection closed. */
  constructor(
    /** The action of the call. */
    readonly action: string,
    /** The message id of the call (empty when it never got one). */
    readonly messageId: string,
    /** The WebSocket close code, when the connection closed while the call was pending. */
    readonly code?: number,
    /** The WebSocket close reason, with `code`. */
    readonly reason?: string,
  ) {
    super(`${action} (${messageId}): connection closed${code === undefined ? '' : ` (${code})`}`);
  }
}

/** A payload failed its schema. `issue` is the first validation error. */
export abstract class ValidationError extends Error {
  abstract override readonly name: string;
  /** A validation failure of the payload of `action` (`messageId`). */
  constructor(
    message: string,
    /** The action of the message. */
    readonly action: string,
    /** The message id of the message. */
    readonly messageId: string,
    /** The first schema violation found. */
    readonly issue: ValidationIssue,
  ) {
    super(message);
  }
}

/** The rejection of `call()` when our own request fails its schema: nothing was sent. */
export class RequestValidationError extends ValidationError {
  override readonly name: string = 'RequestValidationError';
  /** The failure of our request of `action`. */
  constructor(action: string, messageId: string, issue: ValidationIssue) {
    super(`${action} request is invalid: ${describeIssue(issue)}`, action, messageId, issue);
  }
}

/**
 * Our own handler returned a response that fails its schema: it was not sent, the peer got `InternalError`.
 * Reported through the `handler:error` event and the logger.
 */
export class ResponseValidationError extends ValidationError {
  override readonly name: string = 'ResponseValidationError';
  /** The failure of our handler's response to `action`. */
  constructor(action: string, messageId: string, issue: ValidationIssue) {
    super(`${action} response is invalid: ${describeIssue(issue)}`, action, messageId, issue);
  }
}

/** A handler missed its deadline; the peer got `InternalError`. Reported through `handler:error`. */
export class HandlerTimeoutError extends Error {
  override readonly name: string = 'HandlerTimeoutError';
  /** The handler of `action` (`messageId`) missed its `timeout` ms. */
  constructor(
    /** The action handled. */
    readonly action: string,
    /** The message id of the request handled. */
    readonly messageId: string,
    /** The handler deadline that passed, in ms. */
    readonly timeout: number,
  ) {
    super(`${action} handler (${messageId}) did not answer within ${timeout} ms`);
  }
}

/**
 * `server.call()` (or a cluster call) for a charge point that is not connected: to this server, or with a cluster
 * adapter to any node (or the node that held it is gone). Nothing was sent, so a retry is safe.
 */
export class ChargePointNotConnectedError extends Error {
  override readonly name: string = 'ChargePointNotConnectedError';
  /** Always `false`: the charge point never saw the call. */
  readonly delivered = false;
  /** The failure of the call of `action` to `identity`, connected nowhere. */
  constructor(
    /** The charge point called. */
    readonly identity: string,
    /** The action of the call. */
    readonly action: string,
  ) {
    super(`${action}: charge point "${identity}" is not connected`);
  }
}

/** A call typed for one version (`server.version('ocpp1.6')`) to a charge point that speaks another. Nothing was sent. */
export class ProtocolMismatchError extends Error {
  override readonly name: string = 'ProtocolMismatchError';
  /** Always `false`: the charge point never saw the call. */
  readonly delivered = false;
  /** The refusal of the call of `action` to `identity`, typed for `expected` but speaking `actual`. */
  constructor(
    /** The charge point called. */
    readonly identity: string,
    /** The action of the call. */
    readonly action: string,
    /** The version the call was typed for. */
    readonly expected: Subprotocol,
    /** The version the charge point speaks. */
    readonly actual: string,
  ) {
    super(`${action} to "${identity}": the call is typed for ${expected} but the charge point speaks ${actual}`);
  }
}
