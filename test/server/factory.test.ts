/**
 * ChargePoint factories: the application hands its services to each connection's ChargePoint through its
 * constructor. A class and a factory are told apart, the factory gets the identity, the connection and the context
 * (logger, the hook's state, onHandlerError), and a factory that fails closes its connection alone.
 */
import { describe, expect, it, vi } from 'vitest';
import type { OcppConnection } from '../../src/connection.ts';
import { createServed, isChargePointClass } from '../../src/server/served.ts';
import { RepeatGuard, type ServedChargePoint, type ServedContext } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { recordingLogger } from '../runtime/helpers.ts';
import { CsmsV16, CsmsV201, startServer } from './fixtures.ts';
import { BOOT, RawClient, until, within } from './helpers.ts';

interface Station {
  tenant: string;
}

/** The application's service: what every ChargePoint of the CSMS writes to. */
class BootStore {
  readonly boots: { identity: string; tenant: string | undefined; model: string }[] = [];
}

/** A ChargePoint that takes the store (and the tenant the hook found) through its constructor. */
class StoreChargePoint extends v16.ChargePoint {
  readonly tenant: string | undefined;
  constructor(
    identity: string,
    connection: OcppConnection,
    readonly store: BootStore,
    context: ServedContext<Station>,
  ) {
    super(identity, connection, context);
    this.tenant = context.state?.tenant;
  }

  @v16.on(v16.Action.BootNotification)
  boot({ chargePointModel }: v16.BootNotificationRequest) {
    this.store.boots.push({ identity: this.identity, tenant: this.tenant, model: chargePointModel });
    return { currentTime: new Date().toISOString(), interval: 60, status: v16.RegistrationStatus.Accepted };
  }
}

/** A connection that is not the one the server accepted. */
function detached(): OcppConnection {
  return { protocol: 'ocpp1.6', on: () => {}, send: () => {}, close: () => {} } as unknown as OcppConnection;
}

describe('protocols: a ChargePoint class or a factory', () => {
  it('a factory hands the application’s store to each ChargePoint, with the typed state of the hook', async () => {
    const store = new BootStore();
    const factory = vi.fn(
      (identity: string, connection: OcppConnection, context: ServedContext<Station>) =>
        new StoreChargePoint(identity, connection, store, context),
    );
    const logger = recordingLogger();
    const { server, url } = await startServer({
      logger,
      authenticate: ({ identity }) => ({ accept: true, state: { tenant: `tenant-of-${identity}` } }),
      protocols: { 'ocpp1.6': factory, 'ocpp2.0.1': CsmsV201 },
    });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    const [type] = await client.call('1', 'BootNotification', BOOT['ocpp1.6']);
    expect(type).toBe(3);
    expect(store.boots).toEqual([{ identity: 'CP_1', tenant: 'tenant-of-CP_1', model: 'Optimus' }]);

    expect(factory).toHaveBeenCalledTimes(1);
    const [identity, connection, context] = factory.mock.calls[0] ?? [];
    expect(identity).toBe('CP_1');
    expect(connection?.protocol).toBe('ocpp1.6');
    expect(context).toMatchObject({
      logger,
      state: { tenant: 'tenant-of-CP_1' },
      session: { tenant: 'tenant-of-CP_1' },
    });
    expect(context?.onHandlerError).toBeTypeOf('function');

    const chargePoint = server.get('CP_1');
    expect(chargePoint).toBeInstanceOf(StoreChargePoint);
    expect(chargePoint?.state).toEqual({ tenant: 'tenant-of-CP_1' });
    await client.close();
  });

  it('a class gets the same context as its options', async () => {
    const seen: unknown[] = [];
    class Recording extends CsmsV16 {
      constructor(identity: string, connection: OcppConnection, options?: v16.EndpointOptions) {
        super(identity, connection, options);
        seen.push(options);
      }
    }
    const logger = recordingLogger();
    const { server, url } = await startServer({
      logger,
      authenticate: () => ({ accept: true, state: 'tenant-a' }),
      protocols: { 'ocpp1.6': Recording },
    });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    expect(seen).toEqual([
      {
        logger,
        state: 'tenant-a',
        session: 'tenant-a',
        onHandlerError: expect.any(Function),
        repeatGuard: expect.any(RepeatGuard),
      },
    ]);
    expect(server.get('CP_1')?.state).toBe('tenant-a');
    await client.close();
  });

  it('a plain function (not an arrow) is a factory too; classes of every version are classes', () => {
    function factory(identity: string, connection: OcppConnection, context: ServedContext) {
      return new v16.ChargePoint(identity, connection, context);
    }
    expect(isChargePointClass(factory)).toBe(false);
    expect(
      isChargePointClass((identity: string, connection: OcppConnection) => new CsmsV16(identity, connection)),
    ).toBe(false);
    expect(isChargePointClass(v16.ChargePoint)).toBe(true);
    expect(isChargePointClass(v201.ChargePoint)).toBe(true);
    expect(isChargePointClass(CsmsV16)).toBe(true);
    expect(isChargePointClass(class extends CsmsV201 {})).toBe(true);
    // a class that does not extend the endpoint (another copy of the library, say) is still a class
    expect(isChargePointClass(class Duck {})).toBe(true);
    // and a function whose prototype has what an endpoint's has is taken for a (compiled) class
    function Compiled() {}
    Compiled.prototype.start = () => {};
    Compiled.prototype.call = () => {};
    expect(isChargePointClass(Compiled)).toBe(true);
    expect(isChargePointClass(42)).toBe(false);
  });

  it('createServed refuses what is not a ChargePoint bound to the connection', () => {
    const connection = { protocol: 'ocpp1.6' } as unknown as OcppConnection;
    const context = {} as ServedContext;
    const served: ServedChargePoint = { identity: 'CP', close: () => {} };
    expect(() => createServed(() => ({ ...served, connection }), 'CP', connection, context)).not.toThrow();
    expect(() => createServed(() => undefined as never, 'CP', connection, context)).toThrow(/no ChargePoint/);
    expect(() => createServed(() => Promise.resolve(served) as never, 'CP', connection, context)).toThrow(/promise/);
    expect(() => createServed(() => ({ connection }) as never, 'CP', connection, context)).toThrow(/not a ChargePoint/);
    expect(() => createServed(() => ({ ...served, connection: {} }), 'CP', connection, context)).toThrow(
      /another connection/,
    );
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('no database');
      },
      /no database/,
    ],
    ['returns nothing', () => undefined, /no ChargePoint/],
    ['returns a promise', async () => undefined, /promise/],
    [
      'returns a ChargePoint of another connection',
      (identity: string) => new v16.ChargePoint(identity, detached()),
      /another connection/,
    ],
  ])(
    'a factory that %s closes that connection with 1011, logged; the server keeps serving',
    async (_what, broken, logged) => {
      const logger = recordingLogger();
      const { records } = logger;
      const { server, url } = await startServer({
        logger,
        protocols: {
          'ocpp1.6': (identity: string, connection: OcppConnection, context: ServedContext) =>
            identity === 'BROKEN'
              ? (broken as (identity: string) => v16.ChargePoint)(identity)
              : new CsmsV16(identity, connection, context),
        },
      });
      const connected = vi.fn();
      server.events.on('connect', connected);
      const failing = await RawClient.open(url('/BROKEN'), 'ocpp1.6');
      expect((await within(failing.closed, 2000, 'closed')).code).toBe(1011);
      expect(server.size).toBe(0);
      expect(connected).not.toHaveBeenCalled();
      const record = records.find((r) => r.msg === 'could not create the ChargePoint: closing');
      expect(record?.level).toBe('error');
      expect(record?.obj).toMatchObject({
        identity: 'BROKEN',
        protocol: 'ocpp1.6',
        err: expect.stringMatching(logged),
      });

      const fine = await RawClient.open(url('/FINE'), 'ocpp1.6');
      expect((await fine.call('1', 'BootNotification', BOOT['ocpp1.6']))[0]).toBe(3);
      expect(connected).toHaveBeenCalledTimes(1);
      await fine.close();
      await until(() => server.size === 0, 'registry empty');
    },
  );
});
