/**
 * A proxy that sits between the kit and a correct peer and spoils what the peer says: one fault, planted in every
 * frame of the peer that a target picks (the answer to a basic-session message, or a message of the peer). The
 * kit must fail on it.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** The faults the kit must catch (OCPP-J and the use cases' id rules). */
export type Fault =
  | 'wrong-type'
  | 'wrong-enum'
  | 'undeclared-property'
  | 'other-message-id'
  | 'no-answer'
  | 'two-calls'
  | 'transaction-id'
  | 'call-error';

export const FAULTS: readonly Fault[] = [
  'wrong-type',
  'wrong-enum',
  'undeclared-property',
  'other-message-id',
  'no-answer',
  'two-calls',
  'transaction-id',
  'call-error',
];

/** Which messages a fault is planted into: the request that the spoiled answer answers. */
export type Target = (action: string, request: Record<string, unknown>) => boolean;

/** A frame as parsed. */
export type Frame = unknown[];
type Payload = Record<string, unknown>;

/** The enum-valued field of an answer, when it has one. */
function enumPath(payload: Payload): [Payload, string] | undefined {
  if (typeof payload.status === 'string') return [payload, 'status'];
  for (const key of ['idTagInfo', 'idTokenInfo']) {
    const inner = payload[key] as Payload | undefined;
    if (inner !== undefined && typeof inner.status === 'string') return [inner, 'status'];
  }
  return undefined;
}

/** Whether `fault` can be planted into the answer `payload` of `action`. */
export function applies(fault: Fault, action: string, payload: Payload): boolean {
  if (fault === 'wrong-enum') return enumPath(payload) !== undefined;
  if (fault === 'transaction-id') return typeof payload.transactionId === 'number' || action === 'StartTransaction';
  return true;
}

/**
 * The frames that go to the kit instead of `answer` (a CALLRESULT to a CALL of `action`). A `transaction-id`
 * fault gives every transaction the same id.
 */
export function spoil(fault: Fault, answer: Frame, protocolCall: (id: string) => Frame): Frame[] {
  const [type, id] = answer as [number, string];
  const payload = structuredClone(answer[2]) as Payload;
  if (type !== 3) return [answer];
  switch (fault) {
    case 'wrong-type': {
      const key = Object.keys(payload)[0];
      if (key === undefined) return [[3, id, []]];
      const value = payload[key];
      payload[key] = typeof value === 'number' ? String(value) : 12345;
      return [[3, id, payload]];
    }
    case 'wrong-enum': {
      const found = enumPath(payload);
      if (found !== undefined) found[0][found[1]] = 'PlantedBogusValue';
      return [[3, id, payload]];
    }
    case 'undeclared-property':
      return [[3, id, { ...payload, plantedUndeclared: true }]];
    case 'other-message-id':
      return [[3, `${id}-other`, payload]];
    case 'no-answer':
      return [];
    case 'two-calls':
      return [protocolCall('planted-1'), protocolCall('planted-2'), answer];
    case 'transaction-id':
      return [[3, id, { ...payload, transactionId: 1 }]];
    case 'call-error':
      return [[4, id, 'InternalError', 'planted fault', {}]];
  }
}

/** A running proxy. */
export interface FaultProxy {
  readonly url: string;
  /** How many frames it spoiled. */
  readonly planted: () => number;
  close(): Promise<void>;
}

/** What the proxy does with one frame: the frames to pass on instead (`undefined`: pass it unchanged). */
export type Rewrite = (frame: Frame, call: { action: string; payload: Payload } | undefined) => Frame[] | undefined;

/**
 * Listens on 127.0.0.1 (any free port) and forwards each connection to `upstream` (same path and subprotocol).
 * `fromUpstream` / `fromDownstream` may rewrite the frames of either side; `call` is the CALL a CALLRESULT
 * answers. Answers to CALLs the proxy planted (ids `planted-…`) stop here.
 */
export async function startRelay(
  upstream: string,
  rewrites: { fromUpstream?: Rewrite; fromDownstream?: Rewrite },
): Promise<FaultProxy> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => [...offered][0] ?? false,
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let planted = 0;
  server.on('connection', (down, request) => {
    const up = new WebSocket(`${upstream}${request.url ?? '/'}`, [down.protocol]);
    const callsOf = {
      up: new Map<string, { action: string; payload: Payload }>(),
      down: new Map<string, { action: string; payload: Payload }>(),
    };
    const toUp: string[] = [];
    up.on('open', () => {
      for (const text of toUp.splice(0)) up.send(text);
    });
    const pass = (from: 'up' | 'down', text: string) => {
      const frame = JSON.parse(text) as Frame;
      if (frame[0] === 2)
        callsOf[from].set(frame[1] as string, { action: frame[2] as string, payload: frame[3] as Payload });
      if ((frame[0] === 3 || frame[0] === 4) && String(frame[1]).startsWith('planted-')) return;
      const rewrite = from === 'up' ? rewrites.fromUpstream : rewrites.fromDownstream;
      const answered = frame[0] === 3 ? callsOf[from === 'up' ? 'down' : 'up'].get(frame[1] as string) : undefined;
      const out = rewrite?.(frame, answered);
      if (out !== undefined) planted += 1;
      const texts = out === undefined ? [text] : out.map((f) => JSON.stringify(f));
      for (const t of texts) {
        if (from === 'up') down.send(t);
        else if (up.readyState === WebSocket.OPEN) up.send(t);
        else toUp.push(t);
      }
    };
    down.on('message', (data) => pass('down', data.toString()));
    up.on('message', (data) => pass('up', data.toString()));
    const closeBoth = () => {
      down.close();
      up.close();
    };
    down.on('close', closeBoth);
    up.on('close', closeBoth);
    up.on('error', closeBoth);
    down.on('error', closeBoth);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    planted: () => planted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

/**
 * A proxy in front of a correct CSMS (`upstream`): each answer of it to a CALL of the kit that `target` picks is
 * spoiled with `fault`. The two CALLs the `two-calls` fault plants are answered by the kit; those answers stop here.
 */
export function startFaultProxy(upstream: string, fault: Fault, target: Target): Promise<FaultProxy> {
  return startRelay(upstream, {
    fromUpstream: (frame, call) => {
      if (call === undefined || !target(call.action, call.payload) || !applies(fault, call.action, frame[2] as Payload))
        return undefined;
      return spoil(fault, frame, (id) => [2, id, 'ClearCache', {}]);
    },
  });
}
