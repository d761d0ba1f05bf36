/**
 * The raw load generator: plain `ws` clients sending pre-serialised CALL frames and matching the replies by id. The
 * common driver for every server ("server alone"), and raw `ws`'s own client.
 */
import WebSocket from 'ws';
import { callFrame, MIX, PROTOCOL } from '../lib/payloads.ts';
import type { ConnectFn, LoadConnection, Meter } from './meter.ts';

export function openSocket(url: string, identity: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/${identity}`, PROTOCOL, { perMessageDeflate: false });
    const fail = (error: Error): void => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(error);
    };
    ws.once('open', () => {
      ws.off('error', fail);
      ws.on('error', () => {});
      resolve(ws);
    });
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** Open a connection and have its BootNotification answered: a charge point that has just come up. */
export async function openBooted(url: string, identity: string, timeoutMs = 60_000): Promise<WebSocket> {
  const ws = await openSocket(url, identity);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('BootNotification not answered in time')), timeoutMs);
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      const frame = JSON.parse(data.toString()) as unknown[];
      if (frame[0] === 3) resolve();
      else reject(new Error(`BootNotification answered with ${data.toString().slice(0, 120)}`));
    });
    ws.once('close', () => reject(new Error('closed before the BootNotification answer')));
    ws.send(callFrame(`boot-${identity}`, 'BootNotification'));
  });
  ws.removeAllListeners('close');
  return ws;
}

class RawConnection implements LoadConnection {
  readonly #sent = new Map<string, number>();
  #counter = 0;
  #drained: (() => void) | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly meter: Meter,
  ) {
    ws.on('message', (data: Buffer) => this.#onMessage(data));
    ws.on('close', () => {
      this.#sent.clear();
      this.#drained?.();
    });
  }

  run(inflight: number): void {
    for (let i = 0; i < inflight; i++) this.#fire();
  }

  #fire(): void {
    const n = ++this.#counter;
    const id = n.toString(36);
    this.#sent.set(id, performance.now());
    this.ws.send(callFrame(id, MIX[n & 1] as (typeof MIX)[number]));
  }

  #onMessage(data: Buffer): void {
    const frame = JSON.parse(data.toString()) as unknown[];
    const id = frame[1] as string;
    const sentAt = this.#sent.get(id);
    if (sentAt === undefined) return;
    this.#sent.delete(id);
    this.meter.record(performance.now() - sentAt, frame[0] === 3);
    if (this.meter.running) this.#fire();
    else if (this.#sent.size === 0) this.#drained?.();
  }

  drained(): Promise<void> {
    if (this.#sent.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = resolve;
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

export const connect: ConnectFn = async (url, identity, meter) =>
  new RawConnection(await openSocket(url, identity), meter);
