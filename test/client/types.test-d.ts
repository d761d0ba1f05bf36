/**
 * Type tests of the client (compiled by `tsc`, never run): what a charge point may call and handle, and
 * `@ts-expect-error` on what it must not.
 */
import { expectTypeOf } from 'vitest';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import type * as v201 from '../../src/v201/index.ts';

export async function calls(cp: v16.Client, cs: v201.Client, cs21: v21.Client) {
  expectTypeOf(await cp.call('Heartbeat')).toEqualTypeOf<v16.HeartbeatResponse>();
  expectTypeOf(
    await cp.call(new v16.call.StartTransaction({ connectorId: 1, idTag: 'A', meterStart: 0, timestamp: '' })),
  ).toEqualTypeOf<v16.StartTransactionResponse>();
  // @ts-expect-error a charge point never sends RemoteStartTransaction
  await cp.call('RemoteStartTransaction', { idTag: 'A' });
  // @ts-expect-error nor as a Call instance
  await cp.call(new v16.call.RemoteStartTransaction({ idTag: 'A' }));
  // @ts-expect-error the payload is required when the request has required fields
  await cp.call('Authorize');
  // @ts-expect-error 2.0.1: the CSMS sends RequestStartTransaction
  await cs.call('RequestStartTransaction', { idToken: { idToken: 'A', type: 'ISO14443' }, remoteStartId: 1 });
  expectTypeOf(await cs.call('Heartbeat')).toEqualTypeOf<v201.HeartbeatResponse>();
  cs21.send('NotifyPeriodicEventStream', { id: 1, pending: 0, basetime: '', data: [] });
  // @ts-expect-error 2.0.1 has no SEND message
  cs.send('NotifyPeriodicEventStream', {});
  // the open connection's endpoint is typed for the same side
  expectTypeOf(await cp.endpoint?.call('Heartbeat')).toEqualTypeOf<v16.HeartbeatResponse | undefined>();
  // @ts-expect-error not through the session either
  await cp.endpoint?.call('RemoteStartTransaction', { idTag: 'A' });
}

export class Handlers16 extends v16.Client implements v16.V16ChargePointHandlers {
  @v16.on(v16.Action.RemoteStartTransaction)
  remoteStart(request: v16.RemoteStartTransactionRequest) {
    expectTypeOf(this.queueSize).toBeNumber();
    return { status: request.idTag === '' ? ('Rejected' as const) : ('Accepted' as const) };
  }

  // @ts-expect-error a charge point never receives BootNotification
  @v16.on(v16.Action.BootNotification)
  boot() {
    return { currentTime: '', interval: 1, status: 'Accepted' as const };
  }

  // @ts-expect-error wrong response type
  @v16.on(v16.Action.Reset)
  reset() {
    return { status: 'Maybe' };
  }

  onGetConfiguration(_request: v16.GetConfigurationRequest) {
    return { configurationKey: [] };
  }
}

export class Handlers21 extends v21.Client {
  @v21.on(v21.Action.RequestStartTransaction)
  start(request: v21.RequestStartTransactionRequest, context: v21.HandlerContext) {
    expectTypeOf(context.messageId).toBeString();
    return { status: 'Accepted' as const, transactionId: String(request.remoteStartId) };
  }
}
