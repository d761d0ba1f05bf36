/**
 * The registry of connected charge points over real sockets: look-up, iteration, events, and a second
 * connection for a connected identity replacing the first, also when the first is half-open.
 */
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { type ChargePointRegistry, MemoryRegistry, OcppServer, type ServedChargePoint } from '../../src/server.ts';
import { ALL, CsmsV16, CsmsV21, CsmsV201, startServer } from './fixtures.ts';
import { BOOT, RawClient, rawHandshake, readRawFrame, until, within } from './helpers.ts';

describe('registry', () => {
  it('get, iteration, size, and connect and disconnect events', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const events: string[] = [];
    server.events.on('connect', ({ identity, protocol }) => events.push(`connect ${identity} ${protocol}`));
    server.events.on('disconnect', ({ identity }) => events.push(`disconnect ${identity}`));

    const a = await RawClient.open(url('/A'), 'ocpp1.6');
    const b = await RawClient.open(url('/B'), 'ocpp2.1');
    expect(server.size).toBe(2);
    expect(server.get('A')).toBeInstanceOf(CsmsV16);
    expect(server.get('B')).toBeInstanceOf(CsmsV21);
    expect(server.get('C')).toBeUndefined();
    expect([...server].map((cp) => cp.identity).sort()).toEqual(['A', 'B']);
    expect(events).toEqual(['connect A ocpp1.6', 'connect B ocpp2.1']);

    await a.close();
    await until(() => server.size === 1, 'A leaves the registry');
    expect(server.get('A')).toBeUndefined();
    expect(events).toContain('disconnect A');
    await b.close();
    await until(() => server.size === 0, 'B leaves the registry');
    expect(events).toEqual(['connect A ocpp1.6', 'connect B ocpp2.1', 'disconnect A', 'disconnect B']);
  });

  it('returns the application’s own classes, typed', async () => {
    const { server } = await startServer({ protocols: { 'ocpp1.6': CsmsV16, 'ocpp2.0.1': CsmsV201 } });
    expectTypeOf(server.get('x')).toEqualTypeOf<CsmsV16 | CsmsV201 | undefined>();
    server.events.on('connect', ({ chargePoint }) => expectTypeOf(chargePoint).toEqualTypeOf<CsmsV16 | CsmsV201>());
    const cp = server.get('x');
    if (cp instanceof CsmsV16) expectTypeOf(cp.call('Reset', { type: 'Soft' })).resolves.toHaveProperty('status');
  });

  it('the connection whose handshake started last keeps the identity, whatever order the hooks finish in', async () => {
    // the hook's delay for each handshake, in the order they start
    const delays: number[] = [];
    const { server, url } = await startServer({
      protocols: ALL,
      authenticate: () => new Promise<boolean>((resolve) => setTimeout(resolve, delays.shift() ?? 0, true)),
    });
    const refused: string[] = [];
    server.events.on('refused', ({ reason, code }) => refused.push(`${code} ${reason}`));
    const rounds = [
      [200, 0], // the older one's hook finishes last: it must not replace the newer one
      [0, 150], // in order: the newer one replaces the older one
      ...Array.from({ length: 8 }, (_, i) => [(i * 37) % 300, (i * 91) % 300]),
    ];
    for (const [index, [older, newer]] of rounds.entries()) {
      delays.push(older as number, newer as number);
      const identity = `RACE_${index}`;
      const first = RawClient.open(url(`/${identity}`), 'ocpp1.6');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = RawClient.open(url(`/${identity}`), 'ocpp1.6');
      const [a, b] = await Promise.all([first, second]);
      const closed = await within(a.closed, 3000, `round ${index}: the older connection is closed`);
      expect(closed.code, `round ${index}`).toBe(1000);
      expect((await b.call('1', 'BootNotification', BOOT['ocpp1.6']))[0], `round ${index}`).toBe(3);
      expect(server.get(identity), `round ${index}`).toBeDefined();
      await b.close();
      await until(() => server.get(identity) === undefined, `round ${index}: the newer connection leaves`);
    }
    // the first round's older connection was turned away after its upgrade, not registered
    expect(refused).toContain('1000 a newer connection holds this identity');
  });

  it('a second connection for a connected identity replaces the first, which is closed', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const disconnected = vi.fn();
    server.events.on('disconnect', ({ chargePoint }) => disconnected(chargePoint));
    const first = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    const old = server.get('CP_1');
    const second = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    const replacement = server.get('CP_1');
    expect(replacement).not.toBe(old);
    expect(server.size).toBe(1);
    expect(await within(first.closed, 3000, 'old connection closed')).toEqual({
      code: 1000,
      reason: 'Replaced by a new connection',
    });
    await until(() => disconnected.mock.calls.length === 1, 'disconnect of the old connection');
    expect(disconnected).toHaveBeenCalledWith(old);
    // the old connection's end did not remove the new one
    expect(server.get('CP_1')).toBe(replacement);
    expect((await second.call('1', 'BootNotification', BOOT['ocpp1.6']))[0]).toBe(3);
    await second.close();
    await until(() => server.size === 0, 'registry empty');
  });

  it('a half-open old connection is terminated after closeTimeout and the registry stays right', async () => {
    const { server, port, url } = await startServer({ protocols: ALL, closeTimeout: 200, pingInterval: 0 });
    const disconnected: ServedChargePoint[] = [];
    server.events.on('disconnect', ({ chargePoint }) => disconnected.push(chargePoint));

    // The first connection stops reading: it never answers the close frame (a charger whose link dropped).
    const halfOpen = await rawHandshake(port, '/CP_1', 'ocpp2.0.1');
    expect(halfOpen.status).toBe(101);
    await until(() => server.size === 1, 'first connection registered');
    const old = server.get('CP_1');
    const oldClosed = old?.start();

    const second = await RawClient.open(url('/CP_1'), 'ocpp2.0.1');
    const replacement = server.get('CP_1');
    expect(replacement).not.toBe(old);
    expect(replacement).toBeInstanceOf(CsmsV201);
    expect(server.size).toBe(1);
    // the new connection works while the old one hangs
    expect((await second.call('1', 'BootNotification', BOOT['ocpp2.0.1']))[0]).toBe(3);

    await within(oldClosed ?? Promise.reject(new Error('no old charge point')), 2000, 'old connection terminated');
    await until(() => disconnected.length === 1, 'disconnect of the old connection');
    expect(disconnected[0]).toBe(old);
    expect(server.get('CP_1')).toBe(replacement);
    expect(server.size).toBe(1);
    // what the half-open peer would read once it wakes up: the close frame, 1000
    const frame = await readRawFrame(halfOpen);
    expect([frame.opcode, frame.payload.readUInt16BE(0)]).toEqual([0x8, 1000]);
    halfOpen.socket.destroy();

    await second.close();
    await until(() => server.size === 0, 'registry empty after the new one closes');
    expect(server.get('CP_1')).toBeUndefined();
  });

  it('keeps its registry behind the ChargePointRegistry interface', async () => {
    const calls: string[] = [];
    class RecordingRegistry<CP extends ServedChargePoint> implements ChargePointRegistry<CP> {
      readonly #inner = new MemoryRegistry<CP>();
      get(identity: string) {
        return this.#inner.get(identity);
      }
      set(cp: CP) {
        calls.push(`set ${cp.identity}`);
        return this.#inner.set(cp);
      }
      delete(cp: CP) {
        calls.push(`delete ${cp.identity}`);
        this.#inner.delete(cp);
      }
      values() {
        return this.#inner.values();
      }
      get size() {
        return this.#inner.size;
      }
    }
    const registry = new RecordingRegistry<CsmsV16>();
    const { server, url } = await startServer({ protocols: { 'ocpp1.6': CsmsV16 }, registry });
    expect(server.registry).toBe(registry);
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    expect(registry.get('CP_1')).toBe(server.get('CP_1'));
    await client.close();
    await until(() => calls.length === 2, 'delete recorded');
    expect(calls).toEqual(['set CP_1', 'delete CP_1']);
  });
});

describe('MemoryRegistry', () => {
  const cp = (identity: string) => ({ identity, start: async () => {}, close: () => {} });

  it('set returns the replaced entry; delete of a replaced entry keeps the new one', () => {
    const registry = new MemoryRegistry();
    const a1 = cp('A');
    const a2 = cp('A');
    expect(registry.set(a1)).toBeUndefined();
    expect(registry.set(a1)).toBeUndefined();
    expect(registry.set(a2)).toBe(a1);
    registry.delete(a1);
    expect(registry.get('A')).toBe(a2);
    registry.delete(a2);
    expect(registry.size).toBe(0);
  });

  it('is what an OcppServer uses by default', () => {
    const server = new OcppServer({ protocols: { 'ocpp1.6': CsmsV16 }, pingInterval: 0 });
    expect(server.registry).toBeInstanceOf(MemoryRegistry);
  });
});
