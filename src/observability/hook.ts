/**
 * The one hook observability has in a connection: `OcppEndpoint.instrument()` takes a `ConnectionInstrumentation`
 * right after the connection's endpoint is made (the server's `connect` event, the client's `open`), before any
 * frame is read. Without one, the endpoint runs exactly as it does without this module.
 */
import type { CallOptions } from '../call-args.ts';
import type { CallReceiver } from '../endpoint/wire.ts';
import type { MessageIdFactory } from '../ids.ts';

/** What the endpoint's outgoing side offers: one CALL. */
export interface OutgoingCaller {
  call(action: string, payload: object, options: CallOptions | undefined): Promise<unknown>;
}

/** What one connection is observed with: its received CALLs, its outgoing CALLs and their ids. */
export interface ConnectionInstrumentation {
  /** The receiver that frames go to instead of `receiver` (it passes every one on). */
  incoming(receiver: CallReceiver): CallReceiver;
  /** Makes one outgoing CALL through `calls`, observed. */
  call(action: string, payload: object, options: CallOptions | undefined, calls: OutgoingCaller): Promise<unknown>;
  /** The id factory the outgoing side uses instead of `factory` (undefined: the default one). */
  messageIds(factory: MessageIdFactory | undefined): MessageIdFactory;
}
