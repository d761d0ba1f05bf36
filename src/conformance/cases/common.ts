/** What the case lists share: the kit's boot, the blocks and profiles, the OCPP-J cases, payload makers. */
import type { Subprotocol } from '../../protocol.ts';
import { callText } from '../run-case.ts';
import { isoNow, refuse } from '../script.ts';
import type { CaseContext, ConformanceCase } from '../types.ts';

/** The BootNotification the kit sends before each CSMS case that is not about the boot itself. */
export function bootRequest(protocol: Subprotocol): object {
  return protocol === 'ocpp1.6'
    ? { chargePointVendor: 'ocppkit', chargePointModel: 'conformance-kit' }
    : { reason: 'PowerUp', chargingStation: { vendorName: 'ocppkit', model: 'conformance-kit' } };
}

/** The functional blocks of 2.0.1 and 2.1 the cases use. */
export const BLOCK = {
  A: 'A Security',
  B: 'B Provisioning',
  C: 'C Authorization',
  D: 'D Local authorization list',
  E: 'E Transactions',
  F: 'F Remote control',
  G: 'G Availability',
  H: 'H Reservation',
  J: 'J Meter values',
  K: 'K Smart charging',
  L: 'L Firmware management',
  M: 'M Certificate management',
  N: 'N Diagnostics',
  O: 'O Display messages',
  P: 'P Data transfer',
  R: 'R DER control',
  S: 'S Battery swapping',
  RPC: 'OCPP-J RPC framework',
} as const;

/** The profiles of 1.6 (with the security extension). */
export const PROFILE = {
  core: 'Core',
  firmware: 'Firmware management',
  localList: 'Local auth list management',
  reservation: 'Reservation',
  smartCharging: 'Smart charging',
  trigger: 'Remote trigger',
  security: 'Security (whitepaper)',
  rpc: 'OCPP-J RPC framework',
} as const;

/** The error codes that answer a payload its schema refuses, per version. */
function payloadCodes(protocol: Subprotocol): string[] {
  return protocol === 'ocpp1.6'
    ? [
        'FormationViolation',
        'OccurenceConstraintViolation',
        'PropertyConstraintViolation',
        'TypeConstraintViolation',
        'ProtocolError',
      ]
    : [
        'FormatViolation',
        'OccurrenceConstraintViolation',
        'PropertyConstraintViolation',
        'TypeConstraintViolation',
        'ProtocolError',
      ];
}

/**
 * The OCPP-J cases, for either side: what the peer must refuse and how. `prefix` is `CSMS` or `CP`; `action` a
 * CALL the kit's side sends (to break), `foreign` one only the peer's side sends (so the peer must not take it).
 */
export function rpcCases(
  prefix: string,
  protocol: Subprotocol,
  action: { name: string; missing: object; wrongType: object },
  foreign: string,
): ConformanceCase[] {
  const block = protocol === 'ocpp1.6' ? PROFILE.rpc : BLOCK.RPC;
  const malformedCodes =
    protocol === 'ocpp1.6'
      ? ['FormationViolation', 'ProtocolError']
      : ['RpcFrameworkError', 'FormatViolation', 'ProtocolError'];
  return [
    {
      id: `${prefix}-RPC-01`,
      title: 'An action the version does not have is answered NotImplemented',
      block,
      useCase: 'OCPP-J 4.2.3',
      steps: [refuse((id) => callText(id, 'NoSuchAction', {}), ['NotImplemented'])],
    },
    {
      id: `${prefix}-RPC-02`,
      title: `A ${action.name} without a required property is refused with a CALLERROR`,
      block,
      useCase: 'OCPP-J 4.2.3',
      steps: [refuse((id) => callText(id, action.name, action.missing), payloadCodes(protocol))],
    },
    {
      id: `${prefix}-RPC-03`,
      title: `A ${action.name} with a property of the wrong type is refused with a CALLERROR`,
      block,
      useCase: 'OCPP-J 4.2.3',
      steps: [refuse((id) => callText(id, action.name, action.wrongType), payloadCodes(protocol))],
    },
    {
      id: `${prefix}-RPC-04`,
      title: `${foreign}, which only the other side sends, is refused with NotSupported or NotImplemented`,
      block,
      useCase: 'OCPP-J 4.2.3',
      steps: [refuse((id) => callText(id, foreign, {}), ['NotSupported', 'NotImplemented', ...payloadCodes(protocol)])],
    },
    {
      id: `${prefix}-RPC-05`,
      title: 'A CALL with three elements instead of four is refused with a CALLERROR carrying its message id',
      block,
      useCase: 'OCPP-J 4.2.1',
      steps: [refuse((id) => JSON.stringify([2, id, 'Heartbeat']), malformedCodes)],
    },
  ];
}

/** The 2.x transaction id of this case: made up on first use. */
export function txId(context: CaseContext): string {
  let id = context.vars.get('transactionId');
  if (typeof id !== 'string') {
    id = `kit-tx-${context.unique()}`;
    context.vars.set('transactionId', id);
  }
  return id as string;
}

/** A 2.x TransactionEvent of this case's transaction on EVSE 1, connector 1. */
export function transactionEvent(
  context: CaseContext,
  eventType: 'Started' | 'Updated' | 'Ended',
  triggerReason: string,
  seqNo: number,
  extra: Record<string, unknown> = {},
  info: Record<string, unknown> = {},
): object {
  return {
    eventType,
    timestamp: isoNow(),
    triggerReason,
    seqNo,
    transactionInfo: { transactionId: txId(context), ...info },
    evse: { id: 1, connectorId: 1 },
    ...extra,
  };
}

/** One energy reading, as 2.x writes it. */
export function v2MeterValue(wh: number, context = 'Sample.Periodic'): object[] {
  return [
    {
      timestamp: isoNow(),
      sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }],
    },
  ];
}

/** One energy reading, as 1.6 writes it. */
export function v16MeterValue(wh: number, context = 'Sample.Periodic'): object[] {
  return [
    {
      timestamp: isoNow(),
      sampledValue: [{ value: String(wh), context, measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
    },
  ];
}
