/** ocpp-rpc's own client: RPCClient in strict mode, `callConcurrency` set to the calls in flight per connection. */
import { RPCClient } from 'ocpp-rpc';
import { MIX, PROTOCOL, REQUESTS } from '../lib/payloads.ts';
import type { ConnectFn, LoadConnection, Meter } from './meter.ts';

class RpcConnection implements LoadConnection {
  readonly #loops: Promise<void>[] = [];

  constructor(
    readonly client: RPCClient,
    readonly meter: Meter,
  ) {}

  run(inflight: number): void {
    for (let i = 0; i < inflight; i++) this.#loops.push(this.#loop(i));
  }

  async #loop(first: number): Promise<void> {
    const meter = this.meter;
    for (let n = first; meter.running; n++) {
      const action = MIX[n & 1] as (typeof MIX)[number];
      const sentAt = performance.now();
      try {
        await this.client.call(action, REQUESTS[action]);
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
    void this.client.close({ force: true }).catch(() => {});
  }
}

export const connect: ConnectFn = async (url, identity, meter, inflight) => {
  // the declared options type lists every option as required; the defaults apply to the others
  const options = {
    endpoint: url,
    identity,
    protocols: [PROTOCOL],
    strictMode: true,
    callConcurrency: inflight,
    reconnect: false,
  } as ConstructorParameters<typeof RPCClient>[0];
  const client = new RPCClient(options);
  await client.connect();
  return new RpcConnection(client, meter);
};
