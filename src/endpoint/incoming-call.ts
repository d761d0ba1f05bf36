/** One received CALL (or SEND) while it is handled: the context its handlers get, and where its handling stands. */
import type { JsonObject } from '../framing.ts';
import type { AfterContext, HandlerContext } from '../messages.ts';
import type { Subprotocol } from '../protocol.ts';
import type { Route } from '../router.ts';
import { EMPTY } from '../util.ts';
import type { RepeatTicket } from './repeat-guard.ts';
import type { Wire } from './wire.ts';

/** What a call's context needs of the side that handles it. */
export interface CallOwner {
  readonly wire: Wire;
  /** The context's signal was created: abort it when the connection closes. */
  trackSignal(context: IncomingCall): void;
  /** The handler's deadline passed. */
  expire(context: IncomingCall): void;
}

/** The handler runs. */
export const HANDLING = 0;
/** Its answer (a response or an error) was sent. */
export const ANSWERED = 1;
/** Its deadline passed or its connection closed. */
export const ENDED = 2;

/**
 * A received CALL (or SEND) while it is handled: the `HandlerContext` of its handler and, with `response` set, the
 * `AfterContext` of its after-handlers.
 */
export class IncomingCall implements HandlerContext, AfterContext<object> {
  /** HANDLING, ANSWERED (response sent or error sent), ENDED (deadline passed or connection closed). */
  state = HANDLING;
  /** Registered in the in-flight map (async handlers only). */
  inFlight = false;
  /** Watched by the repeat guard: its result is remembered (or released) when the handler settles. */
  ticket: RepeatTicket | undefined = undefined;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  response: object = EMPTY;
  controller: AbortController | undefined = undefined;

  constructor(
    readonly owner: CallOwner,
    readonly messageId: string,
    readonly action: string,
    readonly request: JsonObject,
    readonly route: Route,
  ) {}

  get identity(): string {
    return this.owner.wire.identity;
  }

  get protocol(): Subprotocol {
    return this.owner.wire.protocol;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.state === ENDED || this.owner.wire.closed) this.controller.abort(new Error('Handling ended'));
      else this.owner.trackSignal(this);
    }
    return this.controller.signal;
  }
}

export function handlerExpired(context: IncomingCall): void {
  context.owner.expire(context);
}
