/**
 * ocppkit's own client side: a 1.6 `Csms` (the charge-point-side endpoint) over a `ws` WebSocket, validation on (the default), with
 * `maxCallsInFlight` set to the scenario's calls in flight (as ocpp-rpc's client gets `callConcurrency`).
 */
import { Csms } from '../../src/v16/index.ts';
import { BOOT_REQUEST, MIX } from '../lib/payloads.ts';
import type { ConnectFn, LoadConnection, Meter } from './meter.ts';
import { openSocket } from './raw.ts';

class KitConnection implements LoadConnection {
  readonly #loops: Promise<void>[] = [];

  constructor(
    readonly session: Csms,
    readonly meter: Meter,
  ) {}

  run(inflight: number): void {
    for (let i = 0; i < inflight; i++) this.#loops.push(this.#loop(i));
  }

  async #loop(first: number): Promise<void> {
    const meter = this.meter;
    const session = this.session;
    for (let n = first; meter.running; n++) {
      const sentAt = performance.now();
      try {
        if (MIX[n & 1] === 'BootNotification') await session.call('BootNotification', BOOT_REQUEST);
        else await session.call('Heartbeat', {});
        meter.record(performance.now() - sentAt, true);
      } catch {
        meter.record(performance.now() - sentAt, false);
      }
    }
  }

  async drained(): Promise<void> {
    await Promise.all(this.#loops);
  }

  close(): void {
    void this.session.close();
  }
}

export const connect: ConnectFn = async (url, identity, meter, inflight) => {
  const ws = await openSocket(url, identity);
  return new KitConnection(new Csms(identity, ws, { maxCallsInFlight: inflight }), meter);
};
