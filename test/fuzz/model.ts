/**
 * What the fuzz tests run against and what they expect: per version, a CSMS-side ChargePoint with a few handlers
 * (sync, async, throwing, answering with an invalid or unserialisable response), valid request templates to mutate,
 * and an oracle that says, from the frames alone, which reply each input frame must get.
 *
 * The oracle is written from OCPP-J-RULES.md, not from src/: it decides the reply class of a frame (none, a framing
 * CALLERROR, NotImplemented, NotSupported, a schema error, the handler's outcome, a duplicate-id error) and only
 * borrows the generated validators to know whether a payload passes its schema, and which keyword fails first.
 */
import type { OcppConnection } from '../../src/connection.ts';
import type { EndpointOptions } from '../../src/endpoint.ts';
import { OcppError, V2_ERROR_CODES, V16_ERROR_CODES } from '../../src/errors.ts';
import type { HandlerContext } from '../../src/messages.ts';
import type { ProtocolSpec, Subprotocol, Validator } from '../../src/protocol.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const NOW = '2024-01-01T00:00:00Z';
export const INTERNAL = 'An internal error occurred while handling the request';

type Endpoint = InstanceType<typeof v16.ChargePoint>;
type EndpointClass = new (identity: string, connection: OcppConnection, options?: EndpointOptions) => Endpoint;

// ---------------------------------------------------------------- handler behaviour

/** How a handler answers a request that passed its schema. */
export type Outcome =
  | { kind: 'result'; async: boolean }
  | { kind: 'error'; async: boolean; code: string; description: string; details: JsonObject };

/**
 * Codes a DataTransfer handler throws as `OcppError`, in either version's spelling (and one no version knows), and
 * what each version must send for it.
 */
const THROWN_CODES: readonly { thrown: string; v16: string; v2: string }[] = [
  { thrown: 'FormatViolation', v16: 'FormationViolation', v2: 'FormatViolation' },
  { thrown: 'FormationViolation', v16: 'FormationViolation', v2: 'FormatViolation' },
  { thrown: 'OccurrenceConstraintViolation', v16: 'OccurenceConstraintViolation', v2: 'OccurrenceConstraintViolation' },
  { thrown: 'OccurenceConstraintViolation', v16: 'OccurenceConstraintViolation', v2: 'OccurrenceConstraintViolation' },
  { thrown: 'RpcFrameworkError', v16: 'ProtocolError', v2: 'RpcFrameworkError' },
  { thrown: 'MessageTypeNotSupported', v16: 'ProtocolError', v2: 'RpcFrameworkError' },
  { thrown: 'SecurityError', v16: 'SecurityError', v2: 'SecurityError' },
  { thrown: 'NoSuchCode', v16: 'GenericError', v2: 'GenericError' },
];

/** DataTransfer misbehaviours, chosen by `messageId.length % DATA_TRANSFER_MODES` (no messageId: a plain result). */
const DATA_TRANSFER_MODES = THROWN_CODES.length + 5;

function dataTransferMode(request: JsonObject): number | undefined {
  const id = request.messageId;
  return typeof id === 'string' ? id.length % DATA_TRANSFER_MODES : undefined;
}

/** What the DataTransfer handler does (the same function drives the handler and the oracle). */
function dataTransferOutcome(version: Subprotocol, request: JsonObject): Outcome {
  const mode = dataTransferMode(request);
  if (mode === undefined) return { kind: 'result', async: false };
  const thrown = THROWN_CODES[mode];
  if (thrown !== undefined) {
    return {
      kind: 'error',
      async: mode % 2 === 1,
      code: version === 'ocpp1.6' ? thrown.v16 : thrown.v2,
      description: 'Vendor says no',
      details: { mode },
    };
  }
  // the other modes all end in InternalError: unserialisable details keep the code and drop the details
  if (mode === THROWN_CODES.length) {
    return { kind: 'error', async: false, code: 'GenericError', description: 'Details cannot be sent', details: {} };
  }
  return { kind: 'error', async: mode % 2 === 1, code: 'InternalError', description: INTERNAL, details: {} };
}

function dataTransferHandler(version: Subprotocol) {
  return (request: JsonObject): unknown => {
    const mode = dataTransferMode(request);
    if (mode === undefined) return { status: 'Accepted' };
    const thrown = THROWN_CODES[mode];
    if (thrown !== undefined) {
      const error = new OcppError(thrown.thrown as 'GenericError', 'Vendor says no', { mode });
      if (mode % 2 === 1) return Promise.reject(error);
      throw error;
    }
    switch (mode - THROWN_CODES.length) {
      case 0:
        // details that JSON cannot carry
        throw new OcppError('GenericError', 'Details cannot be sent', { amount: 10n });
      case 1:
        // a response that fails its schema
        return Promise.resolve({ status: 'Maybe' });
      case 2:
        // a response whose property getter throws while it is validated or serialised
        return {
          get status(): string {
            throw new Error('lazy field failed');
          },
        };
      case 3:
        // a response JSON cannot carry (1.6: data must be a string; 2.x: data is anything, so serialising fails)
        return Promise.resolve({ status: 'Accepted', data: 10n });
      default:
        // a response that is not an object at all
        return version === 'ocpp1.6' ? undefined : 'Accepted';
    }
  };
}

const after = () => new Promise<void>((resolve) => setImmediate(resolve));

interface HandlerSpec {
  /** The handler itself (installed as `on<Action>`). */
  handler: (request: JsonObject, context: HandlerContext) => unknown;
  /** What it answers to a valid request. */
  outcome: (request: JsonObject) => Outcome;
}

const ok = (async: boolean) => (): Outcome => ({ kind: 'result', async });
const internal = (async: boolean) => (): Outcome => ({
  kind: 'error',
  async,
  code: 'InternalError',
  description: INTERNAL,
  details: {},
});

function commonHandlers(version: Subprotocol): Record<string, HandlerSpec> {
  const v2 = version !== 'ocpp1.6';
  return {
    BootNotification: { handler: () => ({ currentTime: NOW, interval: 300, status: 'Accepted' }), outcome: ok(false) },
    Heartbeat: {
      handler: async () => {
        await after();
        return { currentTime: NOW };
      },
      outcome: ok(true),
    },
    StatusNotification: { handler: () => ({}), outcome: ok(false) },
    Authorize: {
      handler: () =>
        Promise.resolve(v2 ? { idTokenInfo: { status: 'Accepted' } } : { idTagInfo: { status: 'Accepted' } }),
      outcome: ok(true),
    },
    DataTransfer: {
      handler: dataTransferHandler(version),
      outcome: (request) => dataTransferOutcome(version, request),
    },
  };
}

function v16Handlers(): Record<string, HandlerSpec> {
  return {
    ...commonHandlers('ocpp1.6'),
    StartTransaction: {
      handler: () => {
        throw new Error('database password is hunter2');
      },
      outcome: internal(false),
    },
    StopTransaction: { handler: () => ({ idTagInfo: { status: 'Bogus' } }), outcome: internal(false) },
    MeterValues: { handler: () => Promise.reject(new Error('meter store down')), outcome: internal(true) },
  };
}

function v2Handlers(version: Subprotocol): Record<string, HandlerSpec> {
  return {
    ...commonHandlers(version),
    TransactionEvent: {
      handler: () => {
        throw new TypeError('cannot read properties of undefined');
      },
      outcome: internal(false),
    },
    MeterValues: {
      handler: async () => {
        await after();
        return { bogus: true };
      },
      outcome: internal(true),
    },
    NotifyEvent: { handler: () => Promise.reject(new Error('event store down')), outcome: internal(true) },
  };
}

// ---------------------------------------------------------------- valid requests to mutate

export interface Template {
  action: string;
  /** Always present. */
  required: JsonObject;
  /** Each may be added. */
  optional: JsonObject;
}

const sampled16 = {
  value: '1520.5',
  measurand: 'Energy.Active.Import.Register',
  unit: 'Wh',
  context: 'Sample.Periodic',
};

const V16_TEMPLATES: Template[] = [
  {
    action: 'BootNotification',
    required: { chargePointVendor: 'Acme', chargePointModel: 'X1' },
    optional: {
      chargePointSerialNumber: 'SN-0001',
      chargeBoxSerialNumber: 'CB-0001',
      firmwareVersion: '1.2.3',
      iccid: '8931',
      imsi: '2620',
      meterType: 'Eastron',
      meterSerialNumber: 'M-1',
    },
  },
  { action: 'Heartbeat', required: {}, optional: {} },
  {
    action: 'StatusNotification',
    required: { connectorId: 1, errorCode: 'NoError', status: 'Available' },
    optional: { timestamp: NOW, info: 'ok', vendorId: 'acme', vendorErrorCode: 'E0' },
  },
  { action: 'Authorize', required: { idTag: 'ABC123' }, optional: {} },
  {
    action: 'StartTransaction',
    required: { connectorId: 1, idTag: 'ABC123', meterStart: 0, timestamp: NOW },
    optional: { reservationId: 7 },
  },
  {
    action: 'StopTransaction',
    required: { meterStop: 1520, timestamp: NOW, transactionId: 42 },
    optional: {
      idTag: 'ABC123',
      reason: 'Local',
      transactionData: [{ timestamp: NOW, sampledValue: [sampled16] }],
    },
  },
  {
    action: 'MeterValues',
    required: { connectorId: 1, meterValue: [{ timestamp: NOW, sampledValue: [sampled16] }] },
    optional: { transactionId: 42 },
  },
  { action: 'DataTransfer', required: { vendorId: 'com.acme' }, optional: { messageId: 'm', data: 'payload' } },
  { action: 'FirmwareStatusNotification', required: { status: 'Idle' }, optional: {} },
  { action: 'DiagnosticsStatusNotification', required: { status: 'Uploaded' }, optional: {} },
  { action: 'Reset', required: { type: 'Soft' }, optional: {} },
  { action: 'GetConfiguration', required: {}, optional: { key: ['HeartbeatInterval'] } },
];

const evse = { id: 1, connectorId: 1 };
const idToken = { idToken: 'ABC123', type: 'ISO14443' };
const meterValue2 = {
  timestamp: NOW,
  sampledValue: [{ value: 1520.5, measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' }],
};

function v2Templates(version: Subprotocol): Template[] {
  const templates: Template[] = [
    {
      action: 'BootNotification',
      required: { chargingStation: { model: 'X1', vendorName: 'Acme' }, reason: 'PowerUp' },
      optional: { customData: { vendorId: 'com.acme', colour: 'red' } },
    },
    { action: 'Heartbeat', required: {}, optional: {} },
    {
      action: 'StatusNotification',
      required: { timestamp: NOW, connectorStatus: 'Available', evseId: 1, connectorId: 1 },
      optional: {},
    },
    { action: 'Authorize', required: { idToken }, optional: { certificate: 'MIIB' } },
    {
      action: 'TransactionEvent',
      required: {
        eventType: 'Started',
        timestamp: NOW,
        triggerReason: 'Authorized',
        seqNo: 0,
        transactionInfo: { transactionId: 'tx-0001' },
      },
      optional: { idToken, evse, meterValue: [meterValue2], offline: false, numberOfPhasesUsed: 3 },
    },
    { action: 'MeterValues', required: { evseId: 1, meterValue: [meterValue2] }, optional: {} },
    {
      action: 'NotifyEvent',
      required: {
        generatedAt: NOW,
        seqNo: 0,
        eventData: [
          {
            eventId: 1,
            timestamp: NOW,
            trigger: 'Alerting',
            actualValue: 'Faulted',
            eventNotificationType: 'HardWiredNotification',
            component: { name: 'EVSE' },
            variable: { name: 'Problem' },
          },
        ],
      },
      optional: { tbc: false },
    },
    { action: 'DataTransfer', required: { vendorId: 'com.acme' }, optional: { messageId: 'm', data: { any: [1] } } },
    { action: 'FirmwareStatusNotification', required: { status: 'Idle' }, optional: { requestId: 1 } },
    { action: 'Reset', required: { type: 'Immediate' }, optional: { evseId: 1 } },
    {
      action: 'GetVariables',
      required: { getVariableData: [{ component: { name: 'EVSE' }, variable: { name: 'Power' } }] },
      optional: {},
    },
  ];
  if (version === 'ocpp2.1') {
    templates.push({
      action: 'NotifyPeriodicEventStream',
      required: { id: 1, pending: 0, basetime: NOW, data: [{ t: 0, v: '230.1' }] },
      optional: {},
    });
  }
  return templates;
}

// ---------------------------------------------------------------- versions

export interface FuzzVersion {
  protocol: Subprotocol;
  Csms: EndpointClass;
  spec: ProtocolSpec;
  validators: Readonly<Record<string, Validator<unknown>>>;
  /** What each action with a CALL handler answers to a valid request. */
  handlers: Record<string, HandlerSpec>;
  templates: Template[];
  /** The codes this version may send. */
  sendable: ReadonlySet<string>;
  framing: string;
  /** A readable CALL or CALLRESULT whose payload is not an object: "payload syntactically incorrect". */
  payload: string;
  duplicate: string;
  /** Schema keyword → code, from OCPP-J-RULES.md. */
  schemaCode: (keyword: string) => string | undefined;
  /** A CALL this side makes, for the tests that answer our own call. */
  ownCall: { action: string; payload: JsonObject; answers: JsonObject[] };
  /** The actions (all versions) that the fuzzer borrows as wrong-version names. */
  foreignActions: string[];
}

/** The RULES table "Which error for which fault", schema rows; undefined for keywords it does not name. */
function schemaCodes(occurrence: string, format: string) {
  return (keyword: string): string | undefined => {
    switch (keyword) {
      case 'required':
      case 'minItems':
      case 'maxItems':
        return occurrence;
      case 'type':
      case 'minLength':
      case 'maxLength':
        return 'TypeConstraintViolation';
      case 'enum':
      case 'minimum':
      case 'maximum':
      case 'multipleOf':
      case 'format':
      case 'pattern':
        return 'PropertyConstraintViolation';
      case 'additionalProperties':
        return format;
      default:
        return undefined;
    }
  };
}

function csmsClass(Base: unknown, handlers: Record<string, HandlerSpec>, sendHandler?: () => unknown): EndpointClass {
  const Class = class FuzzChargePoint extends (Base as typeof v16.ChargePoint) {};
  for (const [action, spec] of Object.entries(handlers)) {
    Object.defineProperty(Class.prototype, `on${action}`, { value: spec.handler, writable: true, configurable: true });
  }
  if (sendHandler !== undefined) {
    Object.defineProperty(Class.prototype, 'onNotifyPeriodicEventStream', { value: sendHandler, configurable: true });
  }
  return Class;
}

/** The 2.1 SEND handler: throws on every other stream id (a SEND is never answered either way). */
function streamHandler(request: JsonObject): unknown {
  if (typeof request.id === 'number' && request.id % 2 === 1) throw new Error('stream store down');
  return undefined;
}

const v2Sendable = new Set<string>(V2_ERROR_CODES.filter((code) => code !== 'MessageTypeNotSupported'));

const HANDLERS_16 = v16Handlers();
const HANDLERS_201 = v2Handlers('ocpp2.0.1');
const HANDLERS_21 = v2Handlers('ocpp2.1');

export const VERSIONS: FuzzVersion[] = [
  {
    protocol: 'ocpp1.6',
    Csms: csmsClass(v16.ChargePoint, HANDLERS_16),
    spec: v16.protocol,
    validators: v16.validators,
    handlers: HANDLERS_16,
    templates: V16_TEMPLATES,
    sendable: new Set(V16_ERROR_CODES),
    framing: 'FormationViolation',
    payload: 'FormationViolation',
    duplicate: 'ProtocolError',
    schemaCode: schemaCodes('OccurenceConstraintViolation', 'FormationViolation'),
    ownCall: {
      action: 'Reset',
      payload: { type: 'Soft' },
      answers: [{ status: 'Accepted' }, { status: 'Rejected' }],
    },
    foreignActions: ['TransactionEvent', 'NotifyEvent', 'GetVariables', 'NotifyPeriodicEventStream'],
  },
  {
    protocol: 'ocpp2.0.1',
    Csms: csmsClass(v201.ChargePoint, HANDLERS_201),
    spec: v201.protocol,
    validators: v201.validators,
    handlers: HANDLERS_201,
    templates: v2Templates('ocpp2.0.1'),
    sendable: v2Sendable,
    framing: 'RpcFrameworkError',
    payload: 'FormatViolation',
    duplicate: 'RpcFrameworkError',
    schemaCode: schemaCodes('OccurrenceConstraintViolation', 'FormatViolation'),
    ownCall: {
      action: 'Reset',
      payload: { type: 'Immediate' },
      answers: [{ status: 'Accepted' }, { status: 'Scheduled', statusInfo: { reasonCode: 'Busy' } }],
    },
    foreignActions: ['StartTransaction', 'StopTransaction', 'NotifyPeriodicEventStream', 'AFRRSignal'],
  },
  {
    protocol: 'ocpp2.1',
    Csms: csmsClass(v21.ChargePoint, HANDLERS_21, streamHandler as () => unknown),
    spec: v21.protocol,
    validators: v21.validators,
    handlers: HANDLERS_21,
    templates: v2Templates('ocpp2.1'),
    sendable: v2Sendable,
    framing: 'RpcFrameworkError',
    payload: 'FormatViolation',
    duplicate: 'RpcFrameworkError',
    schemaCode: schemaCodes('OccurrenceConstraintViolation', 'FormatViolation'),
    ownCall: {
      action: 'Reset',
      payload: { type: 'Immediate' },
      answers: [{ status: 'Accepted' }, { status: 'Scheduled', statusInfo: { reasonCode: 'Busy' } }],
    },
    foreignActions: ['StartTransaction', 'StopTransaction', 'DiagnosticsStatusNotification'],
  },
];

// ---------------------------------------------------------------- the oracle

/** A string of 1 to 36 characters (UTF-16 code units, as JavaScript counts them). */
export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 36;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The descriptions a framing CALLERROR may carry: fixed words, never anything of the frame. */
const FRAMING_DESCRIPTIONS = new Set([
  'Frame is not valid JSON',
  'Frame is not a JSON array',
  'Message type is unreadable',
  'CALL: expected 4 elements',
  'CALL: message id must be a string of 1 to 36 characters',
  'CALL: action must be a string',
  'CALL: payload must be a JSON object',
]);

/** One reply the endpoint must send: its id, and a test of the reply's content (a reason when it fails). */
export interface ExpectedReply {
  id: string;
  what: string;
  check: (reply: unknown[]) => string | undefined;
}

/** Compare a CALLERROR to a code, a description test and details. */
function callError(
  code: string,
  description: (d: string) => boolean,
  details: (d: JsonObject) => boolean,
): (reply: unknown[]) => string | undefined {
  return (reply) => {
    if (reply[0] !== 4) return `expected a CALLERROR, got type ${String(reply[0])}`;
    if (reply[2] !== code) return `expected ${code}, got ${String(reply[2])}`;
    if (!description(reply[3] as string)) return `unexpected description ${JSON.stringify(reply[3])}`;
    if (!details(reply[4] as JsonObject)) return `unexpected details ${JSON.stringify(reply[4])}`;
    return undefined;
  };
}

const anyText = () => true;
const emptyDetails = (d: JsonObject) => Object.keys(d).length === 0;
const sameJson = (a: unknown) => (b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What the endpoint does with a stream of frames. */
export interface Simulation {
  /** The replies, in no particular order (async handlers answer later). */
  replies: ExpectedReply[];
  /** Frames received and classified, for the failure report. */
  classes: string[];
}

/** The state of our own outgoing CALL while the stream is simulated (tests that answer our call). */
export interface OwnCall {
  id: string;
  action: string;
  /** Set by the simulation: how the call ends, or undefined while it waits. */
  outcome?: { kind: 'resolved'; payload: JsonObject } | { kind: 'rejected'; code: string; origin: string };
}

/**
 * Simulate one burst of frames that all arrive before any asynchronous handler answers (the in-memory pair
 * delivers them as microtasks queued at once; the handlers answer after at least one more turn). `text` is what
 * the endpoint decodes; a frame is CALL-shaped when it is not a JSON array, when its first element is not an
 * integer, or when its first element is 2: each such frame gets exactly one reply, whose id is the frame's second
 * element when that is a string of 1 to 36 characters and "-1" otherwise. Every other frame gets no reply, except
 * (2.1) a CALLRESULT to our own call that fails: it gets one CALLRESULTERROR.
 */
export function simulate(v: FuzzVersion, texts: readonly string[], own?: OwnCall): Simulation {
  const replies: ExpectedReply[] = [];
  const classes: string[] = [];
  const inFlight = new Set<string>();
  const v21 = v.protocol === 'ocpp2.1';
  for (const text of texts) {
    let data: unknown;
    let parsed = true;
    try {
      data = JSON.parse(text);
    } catch {
      parsed = false;
    }
    const array = parsed && Array.isArray(data) ? (data as unknown[]) : undefined;
    const type = array?.[0];
    const rawId = array?.[1];
    const replyId = isMessageId(rawId) ? rawId : '-1';
    const framing = (what: string, code = v.framing): void => {
      classes.push(what);
      replies.push({
        id: replyId,
        what,
        check: callError(code, (d) => FRAMING_DESCRIPTIONS.has(d), emptyDetails),
      });
    };
    if (array === undefined) {
      framing(parsed ? 'not an array' : 'not JSON');
      continue;
    }
    if (typeof type !== 'number' || !Number.isInteger(type)) {
      framing('type unreadable');
      continue;
    }
    if (type === 2) {
      if (array.length !== 4 || !isMessageId(rawId) || typeof array[2] !== 'string') {
        framing('malformed CALL');
        continue;
      }
      if (!isObject(array[3])) {
        framing('CALL payload not an object', v.payload);
        continue;
      }
      classes.push(`CALL ${array[2]}`);
      replies.push(expectCall(v, rawId, array[2], array[3], inFlight));
      continue;
    }
    if (own !== undefined && own.outcome === undefined && rawId === own.id && isMessageId(rawId)) {
      if (type === 3 || type === 4 || (v21 && type === 5 && array.length === 5)) {
        classes.push(`answer ${type} to our call`);
        answerOwnCall(v, own, array, replies);
        continue;
      }
    }
    classes.push(`type ${type}: no reply`);
  }
  return { replies, classes };
}

function expectCall(
  v: FuzzVersion,
  id: string,
  action: string,
  payload: JsonObject,
  inFlight: Set<string>,
): ExpectedReply {
  if (inFlight.has(id)) {
    return {
      id,
      what: `duplicate id (${action})`,
      check: callError(v.duplicate, (d) => d === 'Message id is already in use by a CALL being handled', emptyDetails),
    };
  }
  if (!Object.hasOwn(v.spec.actions, action)) {
    return { id, what: `unknown action`, check: callError('NotImplemented', anyText, emptyDetails) };
  }
  const handler = Object.hasOwn(v.handlers, action) ? v.handlers[action] : undefined;
  if (handler === undefined) {
    return {
      id,
      what: `no handler (${action})`,
      check: callError('NotSupported', (d) => d === `Action "${action}" is not supported`, emptyDetails),
    };
  }
  const validator = v.validators[`${action}Request`];
  if (validator !== undefined && !validator(payload)) {
    const issue = validator.errors?.[0];
    const keyword = issue?.keyword ?? 'unknown';
    const instancePath = issue?.instancePath ?? '';
    const expected = v.schemaCode(keyword);
    return {
      id,
      what: `schema ${keyword} at ${instancePath} (${action})`,
      check: (reply) => {
        if (reply[0] !== 4) return `expected a CALLERROR, got type ${String(reply[0])}`;
        const code = reply[2] as string;
        if (expected !== undefined ? code !== expected : !v.sendable.has(code)) {
          return `expected ${expected ?? 'a schema code'} for ${keyword}, got ${code}`;
        }
        const description = reply[3] as string;
        if (!description.startsWith(instancePath === '' ? 'payload: ' : `${instancePath}: `)) {
          return `description ${JSON.stringify(description)} does not name ${instancePath}`;
        }
        return sameJson({ keyword, instancePath })(reply[4]) ? undefined : `details ${JSON.stringify(reply[4])}`;
      },
    };
  }
  const outcome = handler.outcome(payload);
  if (outcome.async) inFlight.add(id);
  if (outcome.kind === 'result') {
    const responseValidator = v.validators[`${action}Response`];
    return {
      id,
      what: `handled (${action})`,
      check: (reply) => {
        if (reply[0] !== 3) return `expected a CALLRESULT, got ${JSON.stringify(reply)}`;
        if (responseValidator !== undefined && !responseValidator(reply[2])) return 'the CALLRESULT fails its schema';
        return undefined;
      },
    };
  }
  return {
    id,
    what: `handler error ${outcome.code} (${action})`,
    check: callError(outcome.code, (d) => d === outcome.description, sameJson(outcome.details)),
  };
}

/** A frame of type 3, 4 (or 5 on 2.1) with our call's id: it settles the call. */
function answerOwnCall(v: FuzzVersion, own: OwnCall, frame: unknown[], replies: ExpectedReply[]): void {
  const type = frame[0];
  const v21 = v.protocol === 'ocpp2.1';
  let failure: { code: string | undefined; description: (d: string) => boolean } | undefined;
  if (type === 3) {
    if (frame.length !== 3 || !isObject(frame[2])) {
      const code = frame.length === 3 ? v.payload : v.framing;
      failure = { code, description: (d) => d.startsWith('CALLRESULT: ') };
    } else {
      const validator = v.validators[`${own.action}Response`];
      if (validator === undefined || validator(frame[2])) {
        own.outcome = { kind: 'resolved', payload: frame[2] };
        return;
      }
      const keyword = validator.errors?.[0]?.keyword ?? 'unknown';
      const where = validator.errors?.[0]?.instancePath || 'payload';
      failure = { code: v.schemaCode(keyword), description: (d) => d.startsWith(`${where}: `) };
    }
    // undefined: a keyword the RULES table does not name; any code of the table then
    own.outcome = { kind: 'rejected', code: failure.code ?? '*', origin: 'invalid-result' };
    if (v21) {
      const expected = failure;
      replies.push({
        id: own.id,
        what: 'CALLRESULTERROR for our call',
        check: (reply) => {
          if (reply[0] !== 5) return `expected a CALLRESULTERROR, got type ${String(reply[0])}`;
          const code = reply[2] as string;
          if (expected.code === undefined ? !v.sendable.has(code) : code !== expected.code) {
            return `expected ${expected.code ?? 'a schema code'}, got ${code}`;
          }
          if (!expected.description(reply[3] as string)) return `description ${JSON.stringify(reply[3])}`;
          return emptyDetails(reply[4] as JsonObject) ? undefined : `details ${JSON.stringify(reply[4])}`;
        },
      });
    }
    return;
  }
  const wellFormed =
    frame.length === 5 && typeof frame[2] === 'string' && typeof frame[3] === 'string' && isObject(frame[4]);
  if (type === 5) {
    // a well-formed CALLRESULTERROR with our call's id fails the call; a malformed one is ignored
    if (wellFormed) own.outcome = { kind: 'rejected', code: frame[2] as string, origin: 'callresulterror' };
    return;
  }
  own.outcome = wellFormed
    ? { kind: 'rejected', code: frame[2] as string, origin: 'callerror' }
    : { kind: 'rejected', code: v.framing, origin: 'callerror' };
}

/** The general shape of anything the endpoint sends back (reasons it is not well-formed). */
export function replyShapeProblem(v: FuzzVersion, reply: unknown, allowType5: boolean): string | undefined {
  if (!Array.isArray(reply)) return 'not an array';
  const [type, id] = reply;
  if (!isMessageId(id)) return `id ${JSON.stringify(id)} is not a 1-36 character string`;
  if (type === 3) return reply.length === 3 && isObject(reply[2]) ? undefined : 'malformed CALLRESULT';
  if (type === 4 || (type === 5 && allowType5)) {
    if (reply.length !== 5) return 'CALLERROR arity';
    const [, , code, description, details] = reply;
    if (typeof code !== 'string' || !v.sendable.has(code)) return `code ${String(code)} is not in the table`;
    if (typeof description !== 'string' || description.length > 255) return 'description not a string of ≤ 255';
    if (!isObject(details)) return 'details not an object';
    return undefined;
  }
  return `unexpected message type ${String(type)}`;
}

/**
 * Match replies to expectations: per id, the same number, and each reply passing the check of a distinct
 * expectation (a bipartite matching; groups are small). Returns the problems found.
 */
export function matchReplies(expected: readonly ExpectedReply[], received: readonly unknown[][]): string[] {
  const problems: string[] = [];
  const byId = new Map<string, { expected: ExpectedReply[]; received: unknown[][] }>();
  const group = (id: string) => {
    let g = byId.get(id);
    if (g === undefined) {
      g = { expected: [], received: [] };
      byId.set(id, g);
    }
    return g;
  };
  for (const e of expected) group(e.id).expected.push(e);
  for (const r of received) group(String(r[1])).received.push(r);
  for (const [id, g] of byId) {
    if (g.expected.length !== g.received.length) {
      problems.push(
        `id ${JSON.stringify(id)}: expected ${g.expected.length} replies (${g.expected.map((e) => e.what).join(', ')}), ` +
          `got ${g.received.length}: ${JSON.stringify(g.received)}`,
      );
      continue;
    }
    // augmenting paths: reply i may take expectation j when the check passes
    const fits = g.received.map((r) => g.expected.map((e) => e.check(r) === undefined));
    const owner: (number | undefined)[] = g.expected.map(() => undefined);
    const assign = (i: number, seen: boolean[]): boolean => {
      for (let j = 0; j < g.expected.length; j++) {
        if (!fits[i]?.[j] || seen[j]) continue;
        seen[j] = true;
        const current = owner[j];
        if (current === undefined || assign(current, seen)) {
          owner[j] = i;
          return true;
        }
      }
      return false;
    };
    for (let i = 0; i < g.received.length; i++) {
      if (!assign(i, [])) {
        const r = g.received[i] as unknown[];
        const reasons = g.expected.map((e) => `${e.what}: ${e.check(r) ?? 'fits, but taken'}`);
        problems.push(
          `id ${JSON.stringify(id)}: reply ${JSON.stringify(r)} fits no expectation (${reasons.join('; ')})`,
        );
      }
    }
  }
  return problems;
}

/** A valid request of a template: its required fields and the chosen optional ones. */
export function buildPayload(template: Template, optionalMask: number): JsonObject {
  const payload: JsonObject = structuredClone(template.required);
  Object.keys(template.optional).forEach((key, i) => {
    if (optionalMask & (1 << i)) payload[key] = structuredClone(template.optional[key] as Json);
  });
  return payload;
}

export { isObject };
