/**
 * Errors of cluster calls. The OCPP-level outcomes of a remote call arrive as the same classes a local call rejects
 * with (`CallError`, `CallTimeoutError`, `ConnectionClosedError`, `CallAbortedError`, `RequestValidationError`); these
 * are the cluster's own, for what only a cluster can get wrong.
 *
 * `delivered` tells what the caller may assume: `false` means the charge point never saw the call (safe to retry);
 * `undefined` means nobody can tell (the call may or may not have run).
 */

export { ChargePointNotConnectedError, ProtocolMismatchError } from '../errors.ts';

/** The base of the cluster's own errors: `error instanceof ClusterError`. */
export abstract class ClusterError extends Error {
  abstract override readonly name: string;
  /** `false`: the call was not sent to the charge point. `undefined`: unknown. */
  abstract readonly delivered: false | undefined;
}

/**
 * The node that holds the charge point's connection died or left before it answered (its liveness key expired or
 * it announced its shutdown). The call may or may not have reached the charge point.
 */
export class RemoteNodeLostError extends ClusterError {
  override readonly name: string = 'RemoteNodeLostError';
  override readonly delivered = undefined;
  /** The failure of the call of `action` to `identity` because node `nodeId` was lost. */
  constructor(
    /** The charge point called. */
    readonly identity: string,
    /** The action of the call. */
    readonly action: string,
    /** The node that was lost. */
    readonly nodeId: string,
  ) {
    super(`${action} to "${identity}": node "${nodeId}" was lost before it answered`);
  }
}

/**
 * No answer came through the cluster within the call's bound (its timeout plus the delivery margin). `delivered`
 * is `false` when the request never left this node.
 */
export class ClusterTimeoutError extends ClusterError {
  override readonly name: string = 'ClusterTimeoutError';
  override readonly delivered: false | undefined;
  /** The timeout of the call of `action` to `identity`; `sent`: whether the request left this node. */
  constructor(
    /** The charge point called. */
    readonly identity: string,
    /** The action of the call. */
    readonly action: string,
    /** The call's timeout, in ms (the bound adds the delivery margin). */
    readonly timeout: number,
    sent: boolean,
    /** The node the request went to, when it was sent. */
    readonly nodeId?: string,
  ) {
    super(
      `${action} to "${identity}": no answer through the cluster within ${timeout} ms` +
        (sent ? `${nodeId === undefined ? '' : ` (node "${nodeId}")`}` : ' (not sent: Redis unreachable or no route)'),
    );
    this.delivered = sent ? undefined : false;
  }
}

/** Back-pressure: too many remote calls in flight on this node (or on the owning node). Nothing was sent. */
export class ClusterBusyError extends ClusterError {
  override readonly name: string = 'ClusterBusyError';
  override readonly delivered = false;
  /** The refusal of the call of `action` to `identity`: `where` had `limit` remote calls in flight. */
  constructor(
    /** The charge point called. */
    readonly identity: string,
    /** The action of the call. */
    readonly action: string,
    /** Which node was full: this one (`caller`) or the one holding the connection (`owner`). */
    readonly where: 'caller' | 'owner',
    /** That node's limit of remote calls in flight. */
    readonly limit: number,
  ) {
    super(
      `${action} to "${identity}": ${where === 'caller' ? 'this node' : 'the owning node'} has ${limit} remote calls in flight`,
    );
  }
}

/** The cluster adapter was closed (or not started) before the call could complete. */
export class ClusterClosedError extends ClusterError {
  override readonly name: string = 'ClusterClosedError';
  override readonly delivered = undefined;
  /** The failure of the call of `action` to `identity` because the adapter is closed. */
  constructor(
    /** The charge point called. */
    readonly identity: string,
    /** The action of the call. */
    readonly action: string,
  ) {
    super(`${action} to "${identity}": the cluster adapter is closed`);
  }
}

/**
 * The owning node failed while running the call for a reason other than the OCPP outcome (an application fault in
 * a listener, an unserialisable payload). `remoteName` and `message` are the remote error's.
 */
export class RemoteCallFailedError extends ClusterError {
  override readonly name: string = 'RemoteCallFailedError';
  override readonly delivered = undefined;
  /** The failure of the call of `action` to `identity` on the owning node, with the remote error's name and message. */
  constructor(
    /** The charge point called. */
    readonly identity: string,
    /** The action of the call. */
    readonly action: string,
    /** The `name` of the error on the owning node. */
    readonly remoteName: string,
    remoteMessage: string,
  ) {
    super(`${action} to "${identity}" failed on the owning node: ${remoteName}: ${remoteMessage}`);
  }
}
