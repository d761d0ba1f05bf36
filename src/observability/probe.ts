/**
 * One observed connection: a span and the metric points of every CALL it handles and sends, its bad frames and
 * its close. Made only when tracing or metrics are on; the endpoint never sees it otherwise.
 */
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { CallOptions } from '../call-args.ts';
import type { CallReceiver } from '../endpoint/wire.ts';
import type { BadFrameEvent, CloseEvent, FrameEvent } from '../events.ts';
import type { JsonObject } from '../framing.ts';
import { createMessageIdFactory, type MessageIdFactory } from '../ids.ts';
import type { ConnectionInstrumentation, OutgoingCaller } from './hook.ts';
import type { Instruments } from './instruments.ts';
import { OUTCOME, SPAN } from './names.ts';
import { outcomeOf } from './outcome.ts';

/** What a probe reads of its connection's endpoint. */
export interface ProbedEndpoint {
  readonly identity: string;
  readonly protocol: string;
  readonly pendingCalls: number;
  readonly events: {
    on(event: 'message:out', listener: (event: FrameEvent) => void): unknown;
    on(event: 'bad-frame', listener: (event: BadFrameEvent) => void): unknown;
    on(event: 'close', listener: (event: CloseEvent) => void): unknown;
  };
  instrument(instrumentation: ConnectionInstrumentation): void;
}

/** A received CALL until its answer leaves. */
interface Handling {
  readonly action: string;
  readonly started: number;
  readonly span: Span | undefined;
}

const CALLRESULT = 3;
const CALLERROR = 4;

export class ConnectionProbe implements ConnectionInstrumentation {
  readonly #endpoint: ProbedEndpoint;
  readonly #tracer: Tracer | undefined;
  readonly #instruments: Instruments | undefined;
  readonly #onClose: (probe: ConnectionProbe) => void;
  readonly #handling = new Map<string, Handling>();
  /** The id of the outgoing CALL being made: ids are drawn synchronously in `call()`. */
  #lastId: string | undefined = undefined;
  /** A CALL whose id is being handled already: the error the endpoint answers it with at once is not the first's. */
  #duplicateId: string | undefined = undefined;

  constructor(
    endpoint: ProbedEndpoint,
    tracer: Tracer | undefined,
    instruments: Instruments | undefined,
    onClose: (probe: ConnectionProbe) => void,
  ) {
    this.#endpoint = endpoint;
    this.#tracer = tracer;
    this.#instruments = instruments;
    this.#onClose = onClose;
    endpoint.events.on('message:out', (event) => this.#sent(event));
    endpoint.events.on('bad-frame', (event) => this.#instruments?.badFrames.add(1, this.#labels({ kind: event.kind })));
    endpoint.events.on('close', (event) => this.#closed(event.code));
    instruments?.connections.add(1, { protocol: endpoint.protocol });
    endpoint.instrument(this);
  }

  get protocol(): string {
    return this.#endpoint.protocol;
  }

  get pendingCalls(): number {
    return this.#endpoint.pendingCalls;
  }

  incoming(receiver: CallReceiver): CallReceiver {
    return {
      onCall: (messageId, action, payload) => this.#received(receiver, messageId, action, payload),
      onSend: (messageId, action, payload) => {
        this.#instruments?.calls.add(1, this.#labels({ action, direction: 'in', outcome: OUTCOME.send }));
        receiver.onSend(messageId, action, payload);
      },
      closed: (code) => receiver.closed(code),
    };
  }

  #received(receiver: CallReceiver, messageId: string, action: string, payload: JsonObject): void {
    if (this.#handling.has(messageId)) {
      // a duplicate id: answered with an error by the endpoint, which the first CALL's record must not take
      this.#duplicateId = messageId;
      receiver.onCall(messageId, action, payload);
      this.#duplicateId = undefined;
      return;
    }
    const span = this.#tracer?.startSpan(`ocpp.handle ${action}`, {
      kind: SpanKind.SERVER,
      attributes: this.#spanAttributes(action, messageId),
    });
    this.#handling.set(messageId, { action, started: performance.now(), span });
    if (span === undefined) receiver.onCall(messageId, action, payload);
    else context.with(trace.setSpan(context.active(), span), () => receiver.onCall(messageId, action, payload));
  }

  /** An answer of ours left: the CALL it answers is handled. */
  #sent(event: FrameEvent): void {
    const type = event.messageType;
    if (type !== CALLRESULT && type !== CALLERROR) return;
    if (event.messageId === this.#duplicateId) return;
    const handling = this.#handling.get(event.messageId as string);
    if (handling === undefined) return;
    this.#handling.delete(event.messageId as string);
    const outcome = type === CALLRESULT ? OUTCOME.result : errorCodeOf(event.data);
    this.#handled(handling, outcome);
  }

  #handled(handling: Handling, outcome: string): void {
    const instruments = this.#instruments;
    if (instruments !== undefined) {
      const labels = this.#labels({ action: handling.action, outcome });
      instruments.handling.record((performance.now() - handling.started) / 1000, labels);
      instruments.calls.add(1, this.#labels({ action: handling.action, direction: 'in', outcome }));
    }
    if (handling.span !== undefined) endSpan(handling.span, outcome);
  }

  call(action: string, payload: object, options: CallOptions | undefined, calls: OutgoingCaller): Promise<unknown> {
    const started = performance.now();
    const span = this.#tracer?.startSpan(`ocpp.call ${action}`, {
      kind: SpanKind.CLIENT,
      attributes: this.#spanAttributes(action, undefined),
    });
    this.#lastId = undefined;
    const pending =
      span === undefined
        ? calls.call(action, payload, options)
        : context.with(trace.setSpan(context.active(), span), () => calls.call(action, payload, options));
    if (span !== undefined && this.#lastId !== undefined) span.setAttribute(SPAN.messageId, this.#lastId);
    return pending.then(
      (result) => {
        this.#answered(action, started, span, OUTCOME.result);
        return result;
      },
      (error: unknown) => {
        this.#answered(action, started, span, outcomeOf(error));
        throw error;
      },
    );
  }

  #answered(action: string, started: number, span: Span | undefined, outcome: string): void {
    const instruments = this.#instruments;
    if (instruments !== undefined) {
      instruments.roundTrip.record((performance.now() - started) / 1000, this.#labels({ action, outcome }));
      instruments.calls.add(1, this.#labels({ action, direction: 'out', outcome }));
    }
    if (span !== undefined) endSpan(span, outcome);
  }

  messageIds(factory: MessageIdFactory | undefined): MessageIdFactory {
    const next = factory ?? createMessageIdFactory();
    return () => {
      const id = next();
      this.#lastId = id;
      return id;
    };
  }

  #closed(code: number): void {
    for (const handling of this.#handling.values()) this.#handled(handling, OUTCOME.closed);
    this.#handling.clear();
    const protocol = this.#endpoint.protocol;
    this.#instruments?.connections.add(-1, { protocol });
    this.#instruments?.closes.add(1, { protocol, code });
    this.#onClose(this);
  }

  #labels(labels: Attributes): Attributes {
    labels.protocol = this.#endpoint.protocol;
    return labels;
  }

  #spanAttributes(action: string, messageId: string | undefined): Attributes {
    const attributes: Attributes = {
      [SPAN.identity]: this.#endpoint.identity,
      [SPAN.protocol]: this.#endpoint.protocol,
      [SPAN.action]: action,
    };
    if (messageId !== undefined) attributes[SPAN.messageId] = messageId;
    return attributes;
  }
}

/** Ends a CALL's span with its outcome: an error status unless it was answered with a CALLRESULT. */
export function endSpan(span: Span, outcome: string): void {
  span.setAttribute(SPAN.outcome, outcome);
  if (outcome !== OUTCOME.result) {
    span.setAttribute(SPAN.errorCode, outcome);
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  }
  span.end();
}

/** The error code of a CALLERROR we sent (its third element). */
function errorCodeOf(text: string): string {
  try {
    const frame = JSON.parse(text) as unknown[];
    return typeof frame[2] === 'string' ? frame[2] : OUTCOME.failed;
  } catch {
    return OUTCOME.failed;
  }
}
