/**
 * Type tests of the generated code. Checked by `npx tsc -p tsconfig.json`, never run: every
 * `@ts-expect-error` below fails the type check if its line ever compiles.
 */
import { expectTypeOf } from 'vitest';
import type {
  AuthorizationData,
  BootNotificationRequest,
  BootNotificationResponse,
  ChargePointToCsms,
  ChargingProfile,
  CsmsToChargePoint,
  IdTagInfo,
  MeterValue,
  SampledValue,
  V16ChargePointHandlers,
  V16Handlers,
} from '../../generated/v16/index.ts';
import {
  Action,
  call,
  callResult,
  Measurand,
  protocol,
  RegistrationStatus,
  type UnitOfMeasure,
  validators,
} from '../../generated/v16/index.ts';
import type {
  NotifyPeriodicEventStreamRequest,
  ChargePointSends as V21ChargePointSends,
  ChargePointToCsms as V21ChargePointToCsms,
  CsmsToChargePoint as V21CsmsToChargePoint,
  V21Handlers,
} from '../../generated/v21/index.ts';
import type { DataTransferRequest as V201DataTransferRequest } from '../../generated/v201/index.ts';
import type { HandlerContext } from '../../src/messages.ts';

// Payloads: a wrong field, a wrong enum literal.

// @ts-expect-error: foo is not a property of RemoteStartTransactionRequest
export const unknownField = new call.RemoteStartTransaction({ idTag: 'x', foo: 1 });
export const remoteStart = new call.RemoteStartTransaction({ idTag: 'x' });
expectTypeOf<(typeof remoteStart)['action']>().toEqualTypeOf<'RemoteStartTransaction'>();
expectTypeOf(remoteStart.payload.idTag).toEqualTypeOf<string>();

// @ts-expect-error: idTag is required
export const missingField = new call.RemoteStartTransaction({ connectorId: 1 });

export const wrongEnum: BootNotificationResponse = {
  currentTime: '2024-01-01T10:00:00Z',
  interval: 300,
  // @ts-expect-error: 'Acepted' is not a RegistrationStatus
  status: 'Acepted',
};

export const constAndLiteral: BootNotificationResponse[] = [
  { currentTime: '2024-01-01T10:00:00Z', interval: 300, status: RegistrationStatus.Accepted },
  { currentTime: '2024-01-01T10:00:00Z', interval: 300, status: 'Pending' },
];

// Enums: const objects with a same-named union type.
expectTypeOf(RegistrationStatus.Accepted).toEqualTypeOf<'Accepted'>();
expectTypeOf(RegistrationStatus.Accepted).toExtend<BootNotificationResponse['status']>();
expectTypeOf<RegistrationStatus>().toEqualTypeOf<'Accepted' | 'Pending' | 'Rejected'>();
expectTypeOf<BootNotificationResponse['status']>().toEqualTypeOf<RegistrationStatus>();
expectTypeOf(Measurand.Energy_Active_Import_Register).toEqualTypeOf<'Energy.Active.Import.Register'>();
expectTypeOf<'Celsius' | 'Celcius'>().toExtend<UnitOfMeasure>();
expectTypeOf(Action.BootNotification).toEqualTypeOf<'BootNotification'>();
expectTypeOf(protocol.actions.BootNotification).toEqualTypeOf<'cp-to-csms'>();
expectTypeOf(protocol.actions.DataTransfer).toEqualTypeOf<'both'>();

// 1.6 data types carry the specification's names.
expectTypeOf<BootNotificationResponse>().toHaveProperty('status');
expectTypeOf<IdTagInfo['status']>().toEqualTypeOf<'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx'>();
expectTypeOf<MeterValue['sampledValue']>().toEqualTypeOf<SampledValue[]>();
expectTypeOf<AuthorizationData['idTagInfo']>().toEqualTypeOf<IdTagInfo | undefined>();
expectTypeOf<ChargingProfile['chargingSchedule']['chargingSchedulePeriod'][number]['limit']>().toEqualTypeOf<number>();

// The direction maps.
expectTypeOf<ChargePointToCsms['BootNotification']['response']>().toEqualTypeOf<BootNotificationResponse>();
expectTypeOf<ChargePointToCsms['BootNotification']['request']>().toEqualTypeOf<BootNotificationRequest>();
expectTypeOf<CsmsToChargePoint>().not.toHaveProperty('BootNotification');
expectTypeOf<'BootNotification'>().not.toExtend<keyof CsmsToChargePoint>();
expectTypeOf<'RemoteStartTransaction'>().not.toExtend<keyof ChargePointToCsms>();
expectTypeOf<'DataTransfer'>().toExtend<keyof ChargePointToCsms & keyof CsmsToChargePoint>();

// 2.1: NotifyPeriodicEventStream is a SEND: only in ChargePointSends, with a request and no response.
expectTypeOf<V21ChargePointSends['NotifyPeriodicEventStream']>().toEqualTypeOf<{
  request: NotifyPeriodicEventStreamRequest;
}>();
expectTypeOf<V21ChargePointSends['NotifyPeriodicEventStream']>().not.toHaveProperty('response');
expectTypeOf<keyof V21ChargePointSends>().toEqualTypeOf<'NotifyPeriodicEventStream'>();
expectTypeOf<'NotifyPeriodicEventStream'>().not.toExtend<keyof V21ChargePointToCsms | keyof V21CsmsToChargePoint>();
expectTypeOf<
  ReturnType<NonNullable<V21Handlers['onNotifyPeriodicEventStream']>>
>().toEqualTypeOf<void | Promise<void>>();

// 2.x DataTransfer data is any JSON value, as its schema says.
export const dataTransfers: V201DataTransferRequest[] = [
  { vendorId: 'com.example', data: 'text' },
  { vendorId: 'com.example', data: 42 },
  { vendorId: 'com.example', data: { any: ['thing'] } },
];

// Handlers: what a CSMS implements.
export class Csms implements V16Handlers {
  onBootNotification(request: BootNotificationRequest, _context: HandlerContext) {
    return new callResult.BootNotification({
      currentTime: new Date().toISOString(),
      interval: request.chargePointModel.length,
      status: RegistrationStatus.Accepted,
    });
  }
  async onHeartbeat() {
    return { currentTime: new Date().toISOString() };
  }
}

export class WrongReturn implements V16Handlers {
  // @ts-expect-error: a BootNotification handler answers with a BootNotificationResponse
  onBootNotification(_request: BootNotificationRequest) {
    return { status: RegistrationStatus.Accepted };
  }
}

export class WrongCallResult implements V16Handlers {
  // @ts-expect-error: a CallResult of another action is no answer to BootNotification
  onBootNotification() {
    return new callResult.Heartbeat({ currentTime: '2024-01-01T10:00:00Z' });
  }
}

export class WrongRequest implements V16Handlers {
  // @ts-expect-error: the request of Authorize is no BootNotificationRequest
  onAuthorize(request: BootNotificationRequest) {
    return { idTagInfo: { status: 'Accepted' as const, parentIdTag: request.chargePointModel } };
  }
}

export const wrongSide: V16ChargePointHandlers = {
  // @ts-expect-error: a charge point does not handle BootNotification
  onBootNotification: () => ({ currentTime: '', interval: 0, status: 'Accepted' as const }),
};

// Validators are type guards for their payload.
export function narrow(data: unknown): string | undefined {
  if (validators.BootNotificationRequest(data)) {
    expectTypeOf(data).toEqualTypeOf<BootNotificationRequest>();
    return data.chargePointVendor;
  }
  return undefined;
}
