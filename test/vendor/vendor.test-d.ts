/**
 * Type tests of typed vendor messages (checked by `tsc -p tsconfig.json`, never run), on the generated module of
 * examples/vendor: what compiles and, with `@ts-expect-error`, what must not.
 */
import { expectTypeOf } from 'vitest';
import {
  type MeterSnapshotRequest,
  type PingResponse,
  type SetLimitRequest,
  type SetLimitResponse,
  type VendorMessages,
  vendor,
} from '../../examples/vendor/generated/index.ts';
import {
  type DataTransferHandler,
  defineVendor,
  type HandlerContext,
  refuseDataTransfer,
  type Validator,
  type Vendor,
  type VendorHandlerContext,
} from '../../src/index.ts';
import type * as v16 from '../../src/v16/index.ts';
import type * as v21 from '../../src/v21/index.ts';
import type * as v201 from '../../src/v201/index.ts';

expectTypeOf(vendor).toEqualTypeOf<Vendor<VendorMessages>>();
expectTypeOf<SetLimitRequest>().toEqualTypeOf<{ connectorId: number; limit: number; unit: 'A' | 'W' }>();
expectTypeOf<MeterSnapshotRequest['readings'][number]['phase']>().toEqualTypeOf<'L1' | 'L2' | 'L3'>();
expectTypeOf<VendorMessages['SetLimit']['direction']>().toEqualTypeOf<'csms-to-cp'>();

export async function csmsCalls(cp16: v16.ChargePoint, cs201: v201.ChargePoint, cs21: v21.ChargePoint) {
  // typed answers, on every version
  expectTypeOf(
    await vendor.call(cp16, 'SetLimit', { connectorId: 1, limit: 16, unit: 'A' }),
  ).toEqualTypeOf<SetLimitResponse>();
  expectTypeOf(await vendor.call(cs201, 'Ping', { nonce: 'n' })).toEqualTypeOf<PingResponse>();
  await vendor.call(cs21, 'SetLimit', { connectorId: 1, limit: 16, unit: 'W' }, { timeout: 5000 });
  // a union of endpoints of one side
  const either = cp16 as v16.ChargePoint | v201.ChargePoint;
  await vendor.call(either, 'SetLimit', { connectorId: 1, limit: 16, unit: 'A' });

  // @ts-expect-error a value outside the enum
  await vendor.call(cp16, 'SetLimit', { connectorId: 1, limit: 16, unit: 'V' });
  // @ts-expect-error a missing field
  await vendor.call(cp16, 'SetLimit', { connectorId: 1, limit: 16 });
  // @ts-expect-error a field of the wrong type
  await vendor.call(cp16, 'SetLimit', { connectorId: '1', limit: 16, unit: 'A' });
  // @ts-expect-error a field the schema does not have
  await vendor.call(cp16, 'SetLimit', { connectorId: 1, limit: 16, unit: 'A', phase: 'L1' });
  // @ts-expect-error the data is required
  await vendor.call(cp16, 'SetLimit');
  // @ts-expect-error a CSMS never sends MeterSnapshot (cp-to-csms)
  await vendor.call(cs201, 'MeterSnapshot', { timestamp: '', readings: [] });
  // @ts-expect-error no such message
  await vendor.call(cs201, 'Reboot', {});
  // @ts-expect-error unknown option
  await vendor.call(cs201, 'Ping', { nonce: 'n' }, { retries: 3 });
}

export async function chargePointCalls(client16: v16.Client, client201: v201.Client, csms21: v21.Csms) {
  const reading = { phase: 'L1' as const, current: 1 };
  expectTypeOf(await vendor.call(client16, 'MeterSnapshot', { timestamp: '', readings: [reading] })).toEqualTypeOf<{
    stored: boolean;
  }>();
  await vendor.call(client201, 'Ping', { nonce: 'n' });
  await vendor.call(csms21, 'Ping', { nonce: 'n' });
  // @ts-expect-error a charge point never sends SetLimit (csms-to-cp)
  await vendor.call(client16, 'SetLimit', { connectorId: 1, limit: 16, unit: 'A' });
  // @ts-expect-error the readings are objects
  await vendor.call(client201, 'MeterSnapshot', { timestamp: '', readings: [1] });
  // @ts-expect-error not an endpoint nor a client
  await vendor.call({}, 'Ping', { nonce: 'n' });
}

export function handlers() {
  const csms = vendor.handlers({
    MeterSnapshot: (data, context) => {
      expectTypeOf(data).toEqualTypeOf<MeterSnapshotRequest>();
      expectTypeOf(context).toEqualTypeOf<VendorHandlerContext>();
      return { stored: true };
    },
    Ping: async ({ nonce }) => ({ nonce }),
  });
  const chargePoint = vendor.chargePointHandlers(
    {
      SetLimit: ({ unit }) => (unit === 'W' ? refuseDataTransfer('Rejected') : { applied: true }),
    },
    (request: v16.DataTransferRequest) => ({ status: request.vendorId === '' ? 'Rejected' : 'UnknownVendorId' }),
  );
  expectTypeOf(csms).toEqualTypeOf<DataTransferHandler>();

  // @ts-expect-error the CSMS never receives SetLimit
  vendor.handlers({ SetLimit: () => ({ applied: true }) });
  // @ts-expect-error the charge point never receives MeterSnapshot
  vendor.chargePointHandlers({ MeterSnapshot: () => ({ stored: true }) });
  // @ts-expect-error an answer of the wrong shape
  vendor.handlers({ MeterSnapshot: () => ({ stored: 'yes' }) });
  // @ts-expect-error a refusal is never Accepted
  vendor.handlers({ Ping: () => refuseDataTransfer('Accepted') });
  // @ts-expect-error no such message
  vendor.handlers({ Reboot: () => ({}) });

  // the handler fits every version's handler interfaces, as an object of handlers
  const objects: [v16.V16Handlers, v201.V201Handlers, v21.V21Handlers] = [
    { onDataTransfer: csms },
    { onDataTransfer: csms },
    { onDataTransfer: csms },
  ];
  const chargePoints: [v16.V16ChargePointHandlers, v201.V201ChargePointHandlers, v21.V21ChargePointHandlers] = [
    { onDataTransfer: chargePoint },
    { onDataTransfer: chargePoint },
    { onDataTransfer: chargePoint },
  ];
  return [objects, chargePoints];
}

// and as a class's method
export abstract class Csms16 implements v16.V16Handlers {
  abstract dataTransfer: DataTransferHandler;
  onDataTransfer(request: v16.DataTransferRequest, context: HandlerContext) {
    return this.dataTransfer(request, context);
  }
}
export abstract class Station201 implements v201.V201ChargePointHandlers {
  abstract dataTransfer: DataTransferHandler;
  onDataTransfer(request: v201.DataTransferRequest, context: HandlerContext) {
    return this.dataTransfer(request, context);
  }
}

// by hand: any type guard that leaves ajv-style errors
declare const isLimit: Validator<{ amps: number }>;
declare const isAck: Validator<{ ok: boolean }>;
const byHand = defineVendor<{ Limit: { request: { amps: number }; response: { ok: boolean }; direction: 'both' } }>({
  vendorId: 'com.example',
  messages: { Limit: { direction: 'both', request: isLimit, response: isAck } },
});
export const answer = (client: v201.Client) => byHand.call(client, 'Limit', { amps: 6 });
defineVendor<{ Limit: { request: { amps: number }; response: { ok: boolean }; direction: 'both' } }>({
  vendorId: 'com.example',
  // @ts-expect-error the validators must check the message's types
  messages: { Limit: { direction: 'both', request: isAck, response: isAck } },
});
defineVendor<{ Limit: { request: { amps: number }; response: { ok: boolean }; direction: 'both' } }>({
  vendorId: 'com.example',
  // @ts-expect-error the direction must be the declared one
  messages: { Limit: { direction: 'cp-to-csms', request: isLimit, response: isAck } },
});
