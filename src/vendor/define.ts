/** `defineVendor()`: the calls and handlers of one vendor's messages, over DataTransfer. */
import { describeIssue, type ErrorDetails, errorCodeFor, OcppError, schemaFault } from '../errors.ts';
import { formats, ucs2length } from '../formats.ts';
import { CallResult, type HandlerContext } from '../messages.ts';
import type { Subprotocol, ValidationIssue, Validator } from '../protocol.ts';
import { isThenable } from '../util.ts';
import { validate } from '../validation.ts';
import {
  DataTransferRefusal,
  DataTransferStatusError,
  inPayload,
  MISSING_DATA,
  NOT_JSON,
  VendorRequestValidationError,
  VendorResponseValidationError,
  VendorResultValidationError,
} from './errors.ts';
import type {
  DataTransferFallback,
  DataTransferHandler,
  DataTransferPeer,
  DataTransferRequestV2,
  DataTransferResponseV2,
  Vendor,
  VendorCallOptions,
  VendorDirection,
  VendorHandlerContext,
  VendorHandlerOptions,
  VendorMessageSpec,
  VendorMessagesOf,
  VendorSpec,
} from './types.ts';

/**
 * Deep equality of JSON values, for validators of schemas with `uniqueItems`, or `const`/`enum` of objects and
 * arrays.
 */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) =>
      Object.hasOwn(b, key) && jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/**
 * What validators compiled by `ocppkit codegen vendor` call at run time: the string formats (`date-time`, `uri`),
 * string length in code points, deep equality. For generated code; not an API of its own.
 * @internal
 */
export const validatorRuntime = Object.freeze({ formats, ucs2length, equal: jsonEqual });

const DIRECTIONS: ReadonlySet<string> = new Set<VendorDirection>(['cp-to-csms', 'csms-to-cp', 'both']);
const MAX_VENDOR_ID_LENGTH = 255;
const MAX_MESSAGE_ID_LENGTH = 50;

type AnyValidator = Validator<unknown>;
interface Message {
  readonly id: string;
  readonly direction: VendorDirection;
  readonly request: AnyValidator;
  readonly response: AnyValidator;
}
type AnyHandler = (this: unknown, data: unknown, context: VendorHandlerContext) => unknown;

/** The first issue of `data` against `validator`, or `undefined`. An absent `data` the schema refuses is missing. */
function checkData(validator: AnyValidator, data: unknown, lenient: boolean): ValidationIssue | undefined {
  const issue = validate(validator, data, lenient);
  return issue !== undefined && data === undefined ? MISSING_DATA : issue;
}

/** `data` as it goes on the wire of `protocol`: JSON text on 1.6, as is on 2.x. */
function encode(protocol: string, data: unknown): unknown {
  return protocol === 'ocpp1.6' && data !== undefined ? JSON.stringify(data) : data;
}

/** `data` as received on `protocol`: parsed from JSON text on 1.6 (`NOT_JSON` when it is not), as is on 2.x. */
function decode(protocol: string, data: unknown): { value: unknown } | typeof NOT_JSON {
  if (protocol !== 'ocpp1.6' || typeof data !== 'string') return { value: data };
  try {
    return { value: JSON.parse(data) as unknown };
  } catch {
    return NOT_JSON;
  }
}

/**
 * Binds the messages of one vendor: `defineVendor<Messages>({ vendorId, messages: { SetLimit: { direction,
 * request, response } } })`. `ocppkit codegen vendor` generates this call, with validators compiled from the
 * schemas; any type guard that leaves ajv-style `errors` works by hand. Throws a TypeError for an invalid spec.
 */
export function defineVendor<M extends VendorMessagesOf<M>>(spec: VendorSpec<M>): Vendor<M> {
  const { vendorId } = spec;
  if (typeof vendorId !== 'string' || vendorId === '' || vendorId.length > MAX_VENDOR_ID_LENGTH) {
    throw new TypeError(`defineVendor: vendorId must be a string of 1 to ${MAX_VENDOR_ID_LENGTH} characters`);
  }
  const messages = new Map<string, Message>();
  // 1.6 compares identifiers case-insensitively (CiString)
  const lowerCase = new Map<string, Message>();
  for (const [id, message] of Object.entries(spec.messages as Record<string, VendorMessageSpec<unknown, unknown>>)) {
    const where = `defineVendor(${JSON.stringify(vendorId)}): message ${JSON.stringify(id)}`;
    if (id === '' || id.length > MAX_MESSAGE_ID_LENGTH) {
      throw new TypeError(`${where}: a message id has 1 to ${MAX_MESSAGE_ID_LENGTH} characters`);
    }
    if (!DIRECTIONS.has(message?.direction)) {
      throw new TypeError(`${where}: direction must be cp-to-csms, csms-to-cp or both`);
    }
    if (typeof message.request !== 'function' || typeof message.response !== 'function') {
      throw new TypeError(`${where}: request and response must be validator functions`);
    }
    const entry: Message = { id, direction: message.direction, request: message.request, response: message.response };
    const other = lowerCase.get(id.toLowerCase());
    if (other !== undefined) {
      throw new TypeError(`${where}: differs from ${JSON.stringify(other.id)} only in case (1.6 ignores case)`);
    }
    messages.set(id, entry);
    lowerCase.set(id.toLowerCase(), entry);
  }
  const vendorIdLowerCase = vendorId.toLowerCase();

  const messageOf = (protocol: string, id: string | undefined): Message | undefined => {
    if (id === undefined) return undefined;
    return protocol === 'ocpp1.6' ? lowerCase.get(id.toLowerCase()) : messages.get(id);
  };
  const isOurs = (protocol: string, id: string): boolean =>
    protocol === 'ocpp1.6' ? id.toLowerCase() === vendorIdLowerCase : id === vendorId;

  async function call(target: DataTransferPeer, id: string, data?: unknown, options?: VendorCallOptions) {
    const message = messages.get(id);
    if (message === undefined) throw new TypeError(`${vendorId} has no message ${JSON.stringify(id)}`);
    const check = options?.skipValidation !== true;
    const lenient = options?.lenientDateTime === true;
    if (check) {
      const issue = checkData(message.request, data, lenient);
      if (issue !== undefined) throw new VendorRequestValidationError(vendorId, id, issue);
    }
    const protocol = target.protocol;
    const wire = encode(protocol, data);
    const payload: DataTransferRequestV2 =
      wire === undefined ? { vendorId, messageId: id } : { vendorId, messageId: id, data: wire };
    const response = (await target.call('DataTransfer', payload, options)) as DataTransferResponseV2;
    if (response.status !== 'Accepted') {
      throw new DataTransferStatusError(vendorId, id, response as DataTransferStatusError['response']);
    }
    const decoded = decode(protocol, response.data);
    if (decoded === NOT_JSON) throw new VendorResultValidationError(vendorId, id, NOT_JSON, response);
    const value = (decoded as { value: unknown }).value;
    if (check) {
      const issue = checkData(message.response, value, lenient);
      if (issue !== undefined) throw new VendorResultValidationError(vendorId, id, issue, response);
    }
    return value;
  }

  function dispatcher(
    side: 'csms' | 'charge-point',
    handlers: Readonly<Record<string, AnyHandler | undefined>>,
    fallbackOrOptions: DataTransferFallback | VendorHandlerOptions | undefined,
  ): DataTransferHandler {
    const options: VendorHandlerOptions =
      typeof fallbackOrOptions === 'function' ? { fallback: fallbackOrOptions } : (fallbackOrOptions ?? {});
    const { fallback } = options;
    const check = options.skipValidation !== true;
    const lenient = options.lenientDateTime === true;
    const method = side === 'csms' ? 'handlers' : 'chargePointHandlers';
    const sentHere = side === 'csms' ? 'csms-to-cp' : 'cp-to-csms';
    const routes = new Map<Message, AnyHandler>();
    for (const [id, handler] of Object.entries(handlers)) {
      if (handler === undefined) continue;
      const message = messages.get(id);
      const where = `${vendorId} ${method}(): ${JSON.stringify(id)}`;
      if (message === undefined) {
        throw new TypeError(
          `${where} is not a message of ${vendorId} (its messages: ${[...messages.keys()].join(', ')})`,
        );
      }
      if (message.direction === sentHere) {
        const other = side === 'csms' ? 'chargePointHandlers' : 'handlers';
        throw new TypeError(`${where} is sent by this side (${message.direction}), never received: see ${other}()`);
      }
      if (typeof handler !== 'function') throw new TypeError(`${where}: the handler must be a function`);
      routes.set(message, handler);
    }

    async function onDataTransfer(
      this: unknown,
      request: DataTransferRequestV2,
      context: HandlerContext,
    ): Promise<DataTransferResponseV2> {
      const protocol = context.protocol;
      const message = isOurs(protocol, request.vendorId) ? messageOf(protocol, request.messageId) : undefined;
      const handler = message === undefined ? undefined : routes.get(message);
      if (message === undefined || handler === undefined) {
        if (fallback !== undefined) {
          const answer = await fallback.call(this, request, context);
          return answer instanceof CallResult ? answer.payload : answer;
        }
        return { status: isOurs(protocol, request.vendorId) ? 'UnknownMessageId' : 'UnknownVendorId' };
      }
      const decoded = decode(protocol, request.data);
      if (decoded === NOT_JSON) throw refusal(protocol, NOT_JSON);
      const data = (decoded as { value: unknown }).value;
      if (check) {
        const issue = checkData(message.request, data, lenient);
        if (issue !== undefined) throw refusal(protocol, issue);
      }
      const vendorContext: VendorHandlerContext = {
        messageId: context.messageId,
        action: context.action,
        identity: context.identity,
        protocol,
        get signal() {
          return context.signal;
        },
        vendorId: request.vendorId,
        vendorMessageId: request.messageId as string,
        request,
      };
      let result = handler.call(this, data, vendorContext);
      if (isThenable(result)) result = await result;
      if (result instanceof DataTransferRefusal) return { status: result.status };
      if (check) {
        const issue = checkData(message.response, result, lenient);
        // not an OcppError: the peer gets InternalError, the application the handler:error event
        if (issue !== undefined) throw new VendorResponseValidationError(vendorId, message.id, issue);
      }
      const wire = encode(protocol, result);
      return wire === undefined ? { status: 'Accepted' } : { status: 'Accepted', data: wire };
    }
    return onDataTransfer as DataTransferHandler;
  }

  return {
    vendorId,
    messages: spec.messages,
    call: call as Vendor<M>['call'],
    handlers: (handlers, options) =>
      dispatcher('csms', handlers as Readonly<Record<string, AnyHandler | undefined>>, options),
    chargePointHandlers: (handlers, options) =>
      dispatcher('charge-point', handlers as Readonly<Record<string, AnyHandler | undefined>>, options),
  };
}

/** The CALLERROR that refuses received data: the code OCPP-J gives a payload failing its schema on that keyword. */
function refusal(protocol: Subprotocol, issue: ValidationIssue): OcppError {
  const located = inPayload(issue);
  const details: ErrorDetails = { keyword: located.keyword, instancePath: located.instancePath };
  return new OcppError(errorCodeFor(protocol, schemaFault(issue.keyword)), describeIssue(located), details);
}
