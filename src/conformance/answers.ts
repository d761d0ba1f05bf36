/**
 * The kit's default answers. Playing the CSMS, it answers every message of the charge point as the demo CSMS
 * does (valid for every action of every version); playing a charge point, it refuses what the CSMS asks with
 * NotSupported, which a CSMS must accept as an answer.
 */
import { DemoStore, v16Handlers, v21Handlers, v201Handlers } from '../demo/index.ts';
import type { Subprotocol } from '../protocol.ts';
import type { KitAnswer } from './wire.ts';

type AnyHandler = (request: unknown, context: unknown) => object | undefined;

/** The answers of the kit playing the CSMS: the demo CSMS's handlers, with a store of this run's own. */
export function csmsAnswers(
  protocol: Subprotocol,
  identity: () => string,
): (action: string, payload: Record<string, unknown>) => KitAnswer {
  const store = new DemoStore();
  const handlers = (protocol === 'ocpp1.6'
    ? v16Handlers(store)
    : protocol === 'ocpp2.0.1'
      ? v201Handlers(store)
      : v21Handlers(store)) as unknown as Record<string, AnyHandler | undefined>;
  return (action, payload) => {
    const handler = handlers[`on${action}`];
    if (handler === undefined) return { errorCode: 'NotSupported', description: `The kit does not answer ${action}` };
    return { payload: handler(payload, { identity: identity(), protocol, messageId: '', action }) ?? {} };
  };
}

/** The answer of the kit playing a charge point to any CALL of the CSMS a case does not expect. */
export function chargePointAnswer(action: string): KitAnswer {
  return { errorCode: 'NotSupported', description: `The conformance kit does not handle ${action} here` };
}
