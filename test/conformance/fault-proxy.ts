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

type Frame = unknown[];
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

/**
 * Listens on 127.0.0.1 (any free port) and forwards each connection to `upstream` (same path and subprotocol).
 * Frames from the kit pass unchanged; each answer of the upstream peer to a CALL the kit sent that `target` picks
 * is spoiled with `fault`. The two CALLs the `two-calls` fault plants are answered by the kit; those answers stop
 * here.
 */
export async function startFaultProxy(upstream: string, fault: Fault, target: Target): Promise<FaultProxy> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => [...offered][0] ?? false,
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let planted = 0;
  server.on('connection', (kit, request) => {
    const peer = new WebSocket(`${upstream}${request.url ?? '/'}`, [kit.protocol]);
    const calls = new Map<string, { action: string; payload: Payload }>();
    const toPeer: string[] = [];
    peer.on('open', () => {
      for (const text of toPeer.splice(0)) peer.send(text);
    });
    kit.on('message', (data) => {
      const text = data.toString();
      const frame = JSON.parse(text) as Frame;
      if (frame[0] === 2) calls.set(frame[1] as string, { action: frame[2] as string, payload: frame[3] as Payload });
      if ((frame[0] === 3 || frame[0] === 4) && String(frame[1]).startsWith('planted-')) return;
      if (peer.readyState === WebSocket.OPEN) peer.send(text);
      else toPeer.push(text);
    });
    peer.on('message', (data) => {
      const text = data.toString();
      const frame = JSON.parse(text) as Frame;
      const call = frame[0] === 3 ? calls.get(frame[1] as string) : undefined;
      if (call !== undefined && target(call.action, call.payload) && applies(fault, call.action, frame[2] as Payload)) {
        planted += 1;
        const trigger = (id: string): Frame => [2, id, 'ClearCache', {}];
        for (const out of spoil(fault, frame, trigger)) kit.send(JSON.stringify(out));
        return;
      }
      kit.send(text);
    });
    const closeBoth = () => {
      kit.close();
      peer.close();
    };
    kit.on('close', closeBoth);
    peer.on('close', closeBoth);
    peer.on('error', closeBoth);
    kit.on('error', closeBoth);
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
