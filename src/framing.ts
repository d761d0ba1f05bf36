/**
 * OCPP-J frames: one text frame in, a typed frame (the parsed array itself, no copy) or a classified fault out;
 * and the serialisers. JSON.parse runs once per frame and no regular expression runs on this path.
 */
import type { Subprotocol } from './protocol.ts';

export const MessageType = {
  CALL: 2,
  CALLRESULT: 3,
  CALLERROR: 4,
  /** 2.1: an error about a received CALLRESULT. */
  CALLRESULTERROR: 5,
  /** 2.1: an unconfirmed message, never answered. */
  SEND: 6,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** A payload or errorDetails: a JSON object (not an array, not null). */
export type JsonObject = { [key: string]: unknown };

type M = typeof MessageType;
/** The two error message types: CALLERROR, and on 2.1 CALLRESULTERROR. */
export type ErrorMessageType = M['CALLERROR'] | M['CALLRESULTERROR'];
export type CallFrame = [type: M['CALL'], messageId: string, action: string, payload: JsonObject];
export type CallResultFrame = [type: M['CALLRESULT'], messageId: string, payload: JsonObject];
export type CallErrorFrame = [
  type: M['CALLERROR'],
  messageId: string,
  code: string,
  description: string,
  details: JsonObject,
];
export type CallResultErrorFrame = [
  type: M['CALLRESULTERROR'],
  messageId: string,
  code: string,
  description: string,
  details: JsonObject,
];
export type SendFrame = [type: M['SEND'], messageId: string, action: string, payload: JsonObject];
export type Frame = CallFrame | CallResultFrame | CallErrorFrame | CallResultErrorFrame | SendFrame;

/** What was wrong with a frame that did not parse. */
export type FrameFaultKind =
  /** Not JSON, not an array, message type or id unreadable: a CALLERROR with id "-1" (or the id, if readable). */
  | 'frame-unreadable'
  /** Wrong arity, id not a 1–36 character string, action not a string. */
  | 'frame-malformed'
  /** A readable CALL or CALLRESULT whose payload is not a JSON object: the payload is wrong, not the frame. */
  | 'payload-not-object'
  /** A message type this version does not have (5 and 6 outside 2.1): ignored, never answered. */
  | 'unknown-type';

/** A frame that did not parse. Rare, so a class: `result instanceof FrameFault`. */
export class FrameFault {
  constructor(
    readonly kind: FrameFaultKind,
    /** The frame's id if it is a string of 1–36 characters, else "-1". */
    readonly messageId: string,
    /** The message type, when it is an integer. */
    readonly messageType: number | undefined,
    /** What was wrong, in words safe to send to the peer (nothing of the frame is echoed). */
    readonly reason: string,
  ) {}
}

/** The id OCPP-J uses in a CALLERROR about a frame whose id could not be read. */
export const UNREADABLE_ID = '-1';

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 36;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(MessageType).map(([name, type]) => [type, name]),
);

function malformed(type: number, id: string, reason: string): FrameFault {
  return new FrameFault('frame-malformed', id, type, `${NAMES[type]}: ${reason}`);
}

function payloadNotObject(type: number, id: string): FrameFault {
  return new FrameFault('payload-not-object', id, type, `${NAMES[type]}: payload must be a JSON object`);
}

/**
 * Parse one text frame. `version` decides whether 5 and 6 are message types (2.1 only).
 * On success the result is the parsed array itself, typed by its first element.
 */
export function parseFrame(text: string, version: Subprotocol): Frame | FrameFault {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return new FrameFault('frame-unreadable', UNREADABLE_ID, undefined, 'Frame is not valid JSON');
  }
  if (!Array.isArray(data)) {
    return new FrameFault('frame-unreadable', UNREADABLE_ID, undefined, 'Frame is not a JSON array');
  }
  const type: unknown = data[0];
  const id: unknown = data[1];
  const idOk = isMessageId(id);
  if (typeof type !== 'number' || !Number.isInteger(type)) {
    return new FrameFault('frame-unreadable', idOk ? id : UNREADABLE_ID, undefined, 'Message type is unreadable');
  }
  switch (type) {
    case MessageType.CALL:
      return checkCallLike(data, MessageType.CALL, id, idOk);
    case MessageType.SEND:
      if (version !== 'ocpp2.1') break;
      return checkCallLike(data, MessageType.SEND, id, idOk);
    case MessageType.CALLRESULT: {
      const result = MessageType.CALLRESULT;
      if (data.length !== 3) return malformed(result, idOk ? id : UNREADABLE_ID, 'expected 3 elements');
      if (!idOk) return malformed(result, UNREADABLE_ID, 'message id must be a string of 1 to 36 characters');
      if (!isJsonObject(data[2])) return payloadNotObject(result, id);
      return data as CallResultFrame;
    }
    case MessageType.CALLRESULTERROR:
      if (version !== 'ocpp2.1') break;
      return checkErrorLike(data, MessageType.CALLRESULTERROR, id, idOk);
    case MessageType.CALLERROR:
      return checkErrorLike(data, MessageType.CALLERROR, id, idOk);
  }
  return new FrameFault('unknown-type', idOk ? id : UNREADABLE_ID, type, `Message type ${type} is not supported`);
}

function checkCallLike(data: unknown[], type: M['CALL'] | M['SEND'], id: unknown, idOk: boolean): Frame | FrameFault {
  if (data.length !== 4) return malformed(type, idOk ? (id as string) : UNREADABLE_ID, 'expected 4 elements');
  if (!idOk) return malformed(type, UNREADABLE_ID, 'message id must be a string of 1 to 36 characters');
  if (typeof data[2] !== 'string') return malformed(type, id as string, 'action must be a string');
  if (!isJsonObject(data[3])) return payloadNotObject(type, id as string);
  return data as CallFrame | SendFrame;
}

function checkErrorLike(data: unknown[], type: ErrorMessageType, id: unknown, idOk: boolean): Frame | FrameFault {
  if (data.length !== 5) return malformed(type, idOk ? (id as string) : UNREADABLE_ID, 'expected 5 elements');
  if (!idOk) return malformed(type, UNREADABLE_ID, 'message id must be a string of 1 to 36 characters');
  if (typeof data[2] !== 'string') return malformed(type, id as string, 'error code must be a string');
  if (typeof data[3] !== 'string') return malformed(type, id as string, 'error description must be a string');
  if (!isJsonObject(data[4])) return malformed(type, id as string, 'error details must be a JSON object');
  return data as CallErrorFrame | CallResultErrorFrame;
}

export function serializeCall(messageId: string, action: string, payload: object): string {
  return JSON.stringify([MessageType.CALL, messageId, action, payload]);
}

export function serializeCallResult(messageId: string, payload: object): string {
  return JSON.stringify([MessageType.CALLRESULT, messageId, payload]);
}

/** A CALLERROR (4) or, 2.1, a CALLRESULTERROR (5). The caller keeps the description within 255 characters. */
export function serializeCallError(
  messageId: string,
  code: string,
  description: string,
  details: object,
  type: ErrorMessageType = MessageType.CALLERROR,
): string {
  return JSON.stringify([type, messageId, code, description, details]);
}

export function serializeSend(messageId: string, action: string, payload: object): string {
  return JSON.stringify([MessageType.SEND, messageId, action, payload]);
}
