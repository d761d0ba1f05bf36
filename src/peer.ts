/**
 * What the two objects an application talks to on either side of a connection have in common: the endpoint
 * (`ChargePoint`, `Csms`) and the charge point's `Client`. Both carry the version's maps, which decorators check
 * handlers against, and the one typed `call()` / `send()` overload set; each says what a call or a SEND does.
 */
import {
  type CallArgs,
  type CallOptions,
  callAction,
  callOptions,
  callPayload,
  type SendArgs,
  type SendOptions,
} from './call-args.ts';
import type { Call } from './messages.ts';
import type { ActionsOf, EndpointMaps, kMaps, SendsOf } from './routing.ts';

/**
 * `In`/`Out`: the CALL maps this side receives/makes; `SendIn`/`SendOut`: the SEND maps (2.1).
 */
export abstract class OcppPeer<
  In extends ActionsOf<In>,
  Out extends ActionsOf<Out>,
  SendIn extends SendsOf<SendIn>,
  SendOut extends SendsOf<SendOut>,
> {
  /** Type-only: the maps decorators check handlers against. */
  declare readonly [kMaps]: EndpointMaps<In, Out, SendIn, SendOut>;

  /**
   * Send a CALL and wait for its answer: `call(new call.Reset({ type: 'Soft' }))` or `call('Reset', { type: 'Soft' })`.
   * One CALL is on the wire at a time; others wait in order (a client queues transaction-related messages, and
   * refuses others while offline with `NotConnectedError`). Rejects with `CallError`, `CallTimeoutError`,
   * `CallAbortedError`, `ConnectionClosedError` or `RequestValidationError`.
   */
  call<A extends keyof Out & string>(
    message: Call<A, Out[A]['request']>,
    options?: CallOptions,
  ): Promise<Out[A]['response']>;
  call<A extends keyof Out & string>(action: A, ...args: CallArgs<Out[A]['request']>): Promise<Out[A]['response']>;
  call(first: string | Call, second?: unknown, third?: CallOptions): Promise<unknown> {
    return this.makeCall(callAction(first), callPayload(first, second), callOptions(first, second, third));
  }

  /**
   * 2.1: send an unconfirmed SEND message (`send('NotifyPeriodicEventStream', {...})`). Not queued behind CALLs,
   * never answered. Throws `ConnectionClosedError` when closed (`NotConnectedError` for a client while offline) and
   * `RequestValidationError` for an invalid payload.
   */
  send<A extends keyof SendOut & string>(message: Call<A, SendOut[A]['request']>, options?: SendOptions): void;
  send<A extends keyof SendOut & string>(action: A, ...args: SendArgs<SendOut[A]['request']>): void;
  send(first: string | Call, second?: unknown, third?: SendOptions): void {
    this.makeSend(callAction(first), callPayload(first, second), callOptions(first, second, third));
  }

  /**
   * Where every form of `call()` ends, its arguments read.
   * @internal
   */
  protected abstract makeCall(action: string, payload: object, options: CallOptions | undefined): Promise<unknown>;

  /**
   * Where every form of `send()` ends, its arguments read.
   * @internal
   */
  protected abstract makeSend(action: string, payload: object, options: SendOptions | undefined): void;
}
