/** Handler discovery: decorators and on<Action> methods, after-handlers, the per-class route table. */
import { describe, expect, test, vi } from 'vitest';
import { actionTable, routeTable } from '../../src/router.ts';
import { createConnectionPair } from '../../src/testing.ts';
import {
  Action,
  type AfterContext,
  type AuthorizeRequest,
  type AuthorizeResponse,
  after as afterResponse,
  type BootNotificationRequest,
  type BootNotificationResponse,
  ChargePoint,
  Csms,
  callResult,
  type HandlerContext,
  type HeartbeatRequest,
  on,
  protocol,
  RegistrationStatus,
  type RemoteStartTransactionRequest,
  type V16ChargePointHandlers,
  type V16Handlers,
  validators,
} from '../../src/v16/index.ts';
import { flush, rawPair } from './helpers.ts';

const NOW = '2024-01-01T00:00:00Z';
/** `on` without its compile-time checks, as plain JavaScript would use it. */
const untypedOn = on as unknown as (action: string) => (method: unknown, context: ClassMethodDecoratorContext) => void;
const BOOT = [2, 'b1', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }];

describe('routing', () => {
  test('decorated methods handle their action; `this` is the instance; the context is filled in', async () => {
    const contexts: HandlerContext[] = [];
    class Csms extends ChargePoint {
      interval = 42;
      @on(Action.BootNotification)
      boot(request: BootNotificationRequest, context: HandlerContext) {
        contexts.push(context);
        expect(request.chargePointVendor).toBe('V');
        return new callResult.BootNotification({
          currentTime: NOW,
          interval: this.interval,
          status: RegistrationStatus.Accepted,
        });
      }
      @on(Action.Authorize)
      async authorize(_request: AuthorizeRequest): Promise<AuthorizeResponse> {
        await flush(1);
        return { idTagInfo: { status: 'Blocked' } };
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    new Csms('CP-9', connection);
    expect(await peer.exchange(BOOT)).toEqual([3, 'b1', { currentTime: NOW, interval: 42, status: 'Accepted' }]);
    expect(await peer.exchange([2, 'a1', 'Authorize', { idTag: 'T' }])).toEqual([
      3,
      'a1',
      { idTagInfo: { status: 'Blocked' } },
    ]);
    expect(contexts[0]).toMatchObject({
      messageId: 'b1',
      action: 'BootNotification',
      identity: 'CP-9',
      protocol: 'ocpp1.6',
    });
  });

  test('methods of the generated handler interface are handlers', async () => {
    class Csms extends ChargePoint implements V16Handlers {
      onBootNotification(): BootNotificationResponse {
        return { currentTime: NOW, interval: 5, status: 'Pending' };
      }
      onHeartbeat(_request: HeartbeatRequest, context: HandlerContext) {
        return { currentTime: context.messageId };
      }
      // not on + an upper-case letter: an ordinary method
      online() {
        return 1;
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    new Csms('CP-1', connection);
    expect(await peer.exchange(BOOT)).toEqual([3, 'b1', { currentTime: NOW, interval: 5, status: 'Pending' }]);
    expect(await peer.exchange([2, '2024-01-01T00:00:00Z', 'Heartbeat', {}])).toEqual([
      3,
      '2024-01-01T00:00:00Z',
      { currentTime: '2024-01-01T00:00:00Z' },
    ]);
  });

  test('the charge-point side routes what the CSMS sends', async () => {
    class Charger extends Csms implements V16ChargePointHandlers {
      onRemoteStartTransaction(request: RemoteStartTransactionRequest) {
        return { status: request.idTag === 'OK' ? ('Accepted' as const) : ('Rejected' as const) };
      }
    }
    const [a, b] = createConnectionPair();
    const csms = new ChargePoint('CP-1', a);
    new Charger('CP-1', b);
    expect(await csms.call('RemoteStartTransaction', { idTag: 'OK' })).toEqual({ status: 'Accepted' });
    await expect(csms.call('Reset', { type: 'Hard' })).rejects.toMatchObject({ code: 'NotSupported' });
  });

  test('a subclass overrides its base handler; base handlers are inherited', async () => {
    class Base extends ChargePoint {
      @on(Action.BootNotification)
      boot() {
        return { currentTime: NOW, interval: 1, status: 'Rejected' as const };
      }
      @on(Action.Heartbeat)
      heartbeat() {
        return { currentTime: NOW };
      }
    }
    class Derived extends Base {
      @on(Action.BootNotification)
      bootAgain() {
        return { currentTime: NOW, interval: 2, status: 'Accepted' as const };
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    new Derived('CP-1', connection);
    expect(await peer.exchange(BOOT)).toEqual([3, 'b1', { currentTime: NOW, interval: 2, status: 'Accepted' }]);
    expect(await peer.exchange([2, 'h', 'Heartbeat', {}])).toEqual([3, 'h', { currentTime: NOW }]);
  });

  test('skipValidation per handler: a non-conforming request reaches the handler and its answer goes out as is', async () => {
    class Csms extends ChargePoint {
      @on(Action.Authorize, { skipValidation: true })
      authorize(request: AuthorizeRequest) {
        return {
          idTagInfo: { status: request.idTag.length > 20 ? 'Invalid' : 'Accepted' },
          extra: true,
        } as AuthorizeResponse;
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    new Csms('CP-1', connection);
    expect(await peer.exchange([2, 'a1', 'Authorize', { idTag: 'x'.repeat(30) }])).toEqual([
      3,
      'a1',
      { idTagInfo: { status: 'Invalid' }, extra: true },
    ]);
  });

  test('a handler for an action this side never receives: a clear error at construction', () => {
    class Wrong extends ChargePoint {
      onRemoteStartTransaction() {
        return { status: 'Accepted' };
      }
    }
    const [a] = createConnectionPair();
    expect(() => new Wrong('CP-1', a)).toThrow(
      'Wrong.onRemoteStartTransaction: a CSMS never receives "RemoteStartTransaction" (ocpp1.6)',
    );

    class WrongDecorated extends Csms {
      // a cast defeats the compile-time check; construction still refuses it
      @untypedOn('BootNotification')
      boot() {
        return {};
      }
    }
    expect(() => new WrongDecorated('CP-1', a)).toThrow('a charge point never receives "BootNotification"');

    class Unknown extends ChargePoint {
      @untypedOn('Teleport')
      teleport() {
        return {};
      }
    }
    expect(() => new Unknown('CP-1', a)).toThrow('"Teleport" is not an action of ocpp1.6');
  });

  test('two handlers for one action in one class: a clear error', () => {
    class Twice extends ChargePoint {
      @on(Action.Heartbeat)
      one() {
        return { currentTime: NOW };
      }
      @on(Action.Heartbeat)
      two() {
        return { currentTime: NOW };
      }
    }
    const [a] = createConnectionPair();
    expect(() => new Twice('CP-1', a)).toThrow('Twice: "Heartbeat" has two handlers, one and two');
  });

  test('@after without a handler: a clear error', () => {
    class Orphan extends ChargePoint {
      @afterResponse(Action.Heartbeat)
      later() {}
    }
    const [a] = createConnectionPair();
    expect(() => new Orphan('CP-1', a)).toThrow('@after("Heartbeat") without a handler');
  });

  test('decorating a static or #private method fails when the class is defined', () => {
    const define = (kind: 'static' | 'private') => {
      if (kind === 'static') {
        class S extends ChargePoint {
          // @ts-expect-error static methods cannot be handlers
          @on(Action.Heartbeat) static heartbeat() {
            return { currentTime: NOW };
          }
        }
        return S;
      }
      class P extends ChargePoint {
        // @ts-expect-error private methods cannot be handlers
        @on(Action.Heartbeat) #heartbeat() {
          return { currentTime: NOW };
        }
        touch() {
          return this.#heartbeat;
        }
      }
      return P;
    };
    expect(() => define('static')).toThrow('a handler must be an instance method');
    expect(() => define('private')).toThrow('a handler cannot be a #private method');
  });

  test('the route table is built once per class, on its first instance, not per instance', () => {
    class Csms extends ChargePoint {
      onHeartbeat() {
        return { currentTime: NOW };
      }
    }
    const [a, b] = createConnectionPair();
    const ownKeys = vi.spyOn(Reflect, 'ownKeys');
    try {
      new Csms('CP-1', a);
      expect(ownKeys.mock.calls.filter(([target]) => target === Csms.prototype)).toHaveLength(1);
      new Csms('CP-2', b);
      expect(ownKeys.mock.calls.filter(([target]) => target === Csms.prototype)).toHaveLength(1);
    } finally {
      ownKeys.mockRestore();
    }
    const table = actionTable({ protocol, validators, side: 'csms' });
    expect([...routeTable(Csms, table, ChargePoint.prototype).keys()]).toEqual(['Heartbeat']);
    // instances carry no handler table of their own
    expect(Object.keys(new Csms('CP-3', createConnectionPair()[0]))).toEqual(['state']);
  });
});

describe('mistakes caught when the route table is built', () => {
  const connection = () => rawPair('ocpp1.6').connection;

  test('a misspelt on… method is refused at construction, naming it and the closest action', () => {
    class Station extends ChargePoint {
      onBootNotifcation() {
        return {};
      }
      onHeartbeat() {
        return { currentTime: NOW };
      }
    }
    expect(() => new Station('CP-1', connection())).toThrow(
      /^Station\.onBootNotifcation: "BootNotifcation" is not an action of ocpp1\.6.*Did you mean onBootNotification\?/,
    );
  });

  test('no suggestion when nothing is close; an action of another version is no action of this one', () => {
    class Station extends ChargePoint {
      onDatabaseReady() {}
    }
    expect(() => new Station('CP-1', connection())).toThrow(/Station\.onDatabaseReady: .*would never be called\. \(/);
    class Mixed extends ChargePoint {
      onNotifyEVChargingNeeds() {
        return { status: 'Accepted' };
      }
    }
    expect(() => new Mixed('CP-1', connection())).toThrow(/"NotifyEVChargingNeeds" is not an action of ocpp1\.6/);
  });

  test('an action of the other side is refused, naming the method', () => {
    class Station extends ChargePoint {
      onRemoteStartTransaction() {
        return { status: 'Accepted' };
      }
    }
    expect(() => new Station('CP-1', connection())).toThrow(
      'Station.onRemoteStartTransaction: a CSMS never receives "RemoteStartTransaction" (ocpp1.6)',
    );
  });

  test('legacy (experimentalDecorators) decorators get a message that says how to switch', () => {
    const legacy = untypedOn(Action.Heartbeat) as unknown as (target: object, key: string, d: object) => void;
    expect(() => legacy(ChargePoint.prototype, 'heartbeat', {})).toThrow(
      /@on\("Heartbeat"\) on heartbeat: this decorator was called as a legacy \(experimentalDecorators\).*remove "experimentalDecorators"/,
    );
  });
});

describe('an object of handlers', () => {
  test('routes as a class does, with the object as `this`', async () => {
    const handlers = {
      interval: 42,
      onBootNotification(this: { interval: number }, request: BootNotificationRequest) {
        return {
          currentTime: NOW,
          interval: this.interval,
          status: request.chargePointModel === 'M' ? 'Accepted' : 'Rejected',
        };
      },
    } satisfies V16Handlers & { interval: number };
    const { connection, peer } = rawPair('ocpp1.6');
    new ChargePoint('CP-1', connection, { handlers });
    expect(await peer.exchange(BOOT)).toEqual([3, 'b1', { currentTime: NOW, interval: 42, status: 'Accepted' }]);
    expect((await peer.exchange([2, 'h1', 'Heartbeat', {}])).slice(0, 3)).toEqual([4, 'h1', 'NotSupported']);
  });

  test('a misspelt handler in the object is refused too', () => {
    const handlers = { onHeartbeet: () => ({ currentTime: NOW }) };
    expect(() => new ChargePoint('CP-1', rawPair('ocpp1.6').connection, { handlers })).toThrow(
      /^handlers\.onHeartbeet: .*Did you mean onHeartbeat\?/,
    );
  });
});

describe('@after', () => {
  test('runs after the response was sent, base first then in declaration order, with the response', async () => {
    const log: string[] = [];
    class Base extends ChargePoint {
      @on(Action.BootNotification)
      boot() {
        log.push('handler');
        return { currentTime: NOW, interval: 10, status: 'Accepted' as const };
      }
      @afterResponse(Action.BootNotification)
      baseAfter(_request: BootNotificationRequest, context: AfterContext<BootNotificationResponse>) {
        log.push(`base-after:${context.response.status}`);
      }
    }
    class Csms extends Base {
      @afterResponse(Action.BootNotification)
      async first(request: BootNotificationRequest) {
        await flush(1);
        log.push(`first:${request.chargePointVendor}`);
      }
      @afterResponse(Action.BootNotification)
      second() {
        log.push('second');
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection);
    cp.events.on('message:out', () => log.push('sent'));
    expect((await peer.exchange(BOOT))[0]).toBe(3);
    await flush();
    expect(log).toEqual(['handler', 'sent', 'base-after:Accepted', 'first:V', 'second']);
  });

  test('its errors go to handler:error and the log, never to the peer', async () => {
    class Csms extends ChargePoint {
      onHeartbeat() {
        return { currentTime: NOW };
      }
      @afterResponse(Action.Heartbeat)
      explode() {
        throw new Error('after failed');
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    const cp = new Csms('CP-1', connection);
    const errors: unknown[] = [];
    cp.events.on('handler:error', (e) => errors.push([e.phase, e.action, (e.error as Error).message]));
    expect(await peer.exchange([2, 'h', 'Heartbeat', {}])).toEqual([3, 'h', { currentTime: NOW }]);
    expect(await peer.drain()).toEqual([]);
    expect(errors).toEqual([['after', 'Heartbeat', 'after failed']]);
  });

  test('does not run when the handler failed', async () => {
    const log: string[] = [];
    class Csms extends ChargePoint {
      onHeartbeat(): never {
        throw new Error('no');
      }
      @afterResponse(Action.Heartbeat)
      later() {
        log.push('after');
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    new Csms('CP-1', connection);
    expect((await peer.exchange([2, 'h', 'Heartbeat', {}]))[2]).toBe('InternalError');
    await flush();
    expect(log).toEqual([]);
  });
});
