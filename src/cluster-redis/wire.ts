/**
 * What nodes say to each other over Redis pub/sub: JSON messages on a node's inbox channel (requests, replies,
 * cancels, claims) and on the cluster's event channels. Errors travel as plain records and become the same classes
 * on the caller's side.
 */
import {
  CallAbortedError,
  CallError,
  type CallErrorOrigin,
  CallTimeoutError,
  ConnectionClosedError,
  type ErrorDetails,
  RequestValidationError,
} from '../errors.ts';
import type { Subprotocol, ValidationIssue } from '../protocol.ts';
import {
  ChargePointNotConnectedError,
  ClusterBusyError,
  ClusterTimeoutError,
  ProtocolMismatchError,
  RemoteCallFailedError,
  RemoteNodeLostError,
} from './errors.ts';

/** A call for a charge point held by the receiving node. */
export interface RequestMessage {
  t: 'req';
  /** Unique per calling process: `<incarnation>.<sequence>`. */
  id: string;
  /** The calling node (its inbox gets the reply). */
  from: string;
  identity: string;
  action: string;
  payload: object;
  /** The charge point's call timeout (ms), as asked. */
  timeout: number;
  /** When the charge point's answer is due, in Redis time (ms): the owner's call times out then. */
  expires: number;
  /** When the caller stops waiting, in Redis time (ms): `expires` plus the caller's delivery margin. */
  deadline: number;
  /** When the caller sent it, in Redis time (ms). */
  sentAt: number;
  /** The version the call is typed for, when it was made through a version view. */
  protocol?: Subprotocol;
  skipValidation?: boolean;
  /** Sent again after a reconnect: the owner may have it already. */
  resend?: boolean;
  /** On a resend: the incarnation of the node it was first sent to. */
  inc?: string;
  /** The caller's trace context, when the call is traced. */
  trace?: Readonly<Record<string, string>>;
}

/** The outcome of a request, to the caller's inbox. */
export type ReplyMessage =
  | { t: 'res'; id: string; ok: true; result: unknown }
  | { t: 'res'; id: string; ok: false; error: WireError };

/** The caller gave up (aborted, or its deadline passed): stop the call if it has not been sent yet. */
export interface CancelMessage {
  t: 'cancel';
  id: string;
  from: string;
}

/** Another node now holds `identity`: close the local connection that `previous` describes. */
export interface ClaimMessage {
  t: 'claim';
  identity: string;
  /** The presence value that was replaced. */
  previous: string;
  by: string;
}

export type InboxMessage = RequestMessage | ReplyMessage | CancelMessage | ClaimMessage;

/** Cluster-wide events (on `<prefix>:events`). */
export type EventMessage =
  | { t: 'connect'; identity: string; protocol: Subprotocol; nodeId: string }
  | { t: 'disconnect'; identity: string; nodeId: string; superseded: boolean }
  | { t: 'leave'; nodeId: string; incarnation: string };

/** One frame of one charge point (on `<prefix>:messages`, when message sharing is on): the `message` event's fields. */
export interface FrameMessage {
  /** The charge point's identity. */
  identity: string;
  /** The node that holds its connection. */
  nodeId: string;
  /** `in`: the charge point sent the frame; `out`: the CSMS did. */
  direction: 'in' | 'out';
  /** The frame's text. */
  data: string;
}

export type WireError =
  | {
      k: 'call';
      action: string;
      messageId: string;
      code: string;
      description: string;
      details: ErrorDetails;
      origin: CallErrorOrigin;
    }
  | { k: 'timeout'; action: string; messageId: string; timeout: number }
  | { k: 'closed'; action: string; messageId: string; code?: number; reason?: string }
  | { k: 'aborted'; action: string; messageId: string }
  | { k: 'invalid'; action: string; messageId: string; issue: ValidationIssue }
  | { k: 'not-connected' }
  | { k: 'protocol'; expected: Subprotocol; actual: string }
  | { k: 'busy'; limit: number }
  | { k: 'expired' }
  | { k: 'lost' }
  | { k: 'failed'; name: string; message: string };

/** What the owning node sends back for an error of `call()`. */
export function toWireError(error: unknown): WireError {
  if (error instanceof CallError) {
    return {
      k: 'call',
      action: error.action,
      messageId: error.messageId,
      code: error.code,
      description: error.description,
      details: error.details,
      origin: error.origin,
    };
  }
  if (error instanceof CallTimeoutError) {
    return { k: 'timeout', action: error.action, messageId: error.messageId, timeout: error.timeout };
  }
  if (error instanceof ConnectionClosedError) {
    const wire: WireError = { k: 'closed', action: error.action, messageId: error.messageId };
    if (error.code !== undefined) wire.code = error.code;
    if (error.reason !== undefined) wire.reason = error.reason;
    return wire;
  }
  if (error instanceof CallAbortedError) return { k: 'aborted', action: error.action, messageId: error.messageId };
  if (error instanceof RequestValidationError) {
    return { k: 'invalid', action: error.action, messageId: error.messageId, issue: error.issue };
  }
  if (error instanceof Error) return { k: 'failed', name: error.name, message: error.message };
  return { k: 'failed', name: 'Error', message: String(error) };
}

/** The caller's error for a wire error: the class a local call would have rejected with. */
export function fromWireError(wire: WireError, identity: string, action: string): Error {
  switch (wire.k) {
    case 'call':
      return new CallError(wire.action, wire.messageId, wire.code, wire.description, wire.details, wire.origin);
    case 'timeout':
      return new CallTimeoutError(wire.action, wire.messageId, wire.timeout);
    case 'closed':
      return new ConnectionClosedError(wire.action, wire.messageId, wire.code, wire.reason);
    case 'aborted':
      return new CallAbortedError(wire.action, wire.messageId);
    case 'invalid':
      return new RequestValidationError(wire.action, wire.messageId, wire.issue);
    case 'not-connected':
      return new ChargePointNotConnectedError(identity, action);
    case 'protocol':
      return new ProtocolMismatchError(identity, action, wire.expected, wire.actual);
    case 'busy':
      return new ClusterBusyError(identity, action, 'owner', wire.limit);
    case 'expired':
      return new ClusterTimeoutError(identity, action, 0, true);
    case 'lost':
      return new RemoteNodeLostError(identity, action, '');
    default:
      return new RemoteCallFailedError(identity, action, wire.name, wire.message);
  }
}

/** Parses an inbox or event message; `undefined` for anything that is not one of ours. */
export function parseMessage<T extends { t: string }>(text: string): T | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && typeof (value as { t?: unknown }).t === 'string') {
      return value as T;
    }
  } catch {
    // not ours
  }
  return undefined;
}

/** A presence value: `<nodeId>\t<incarnation>\t<protocol>\t<connection>`. */
export interface Presence {
  nodeId: string;
  incarnation: string;
  protocol: Subprotocol;
  connection: string;
}

export function formatPresence(p: Presence): string {
  return `${p.nodeId}\t${p.incarnation}\t${p.protocol}\t${p.connection}`;
}

export function parsePresence(value: string): Presence | undefined {
  const parts = value.split('\t');
  if (parts.length !== 4) return undefined;
  const [nodeId, incarnation, protocol, connection] = parts as [string, string, Subprotocol, string];
  return { nodeId, incarnation, protocol, connection };
}
