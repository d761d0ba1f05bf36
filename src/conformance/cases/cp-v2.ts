/** The charge-point cases of OCPP 2.0.1 and 2.1: the kit plays the CSMS. */
import type { Subprotocol } from '../../protocol.ts';
import { call, expectCall, isoIn, isoNow, oneOf, present, rule, same } from '../script.ts';
import type { CaseContext, ConformanceCase } from '../types.ts';
import { BLOCK, rpcCases } from './common.ts';

const token = (c: CaseContext) => ({ idToken: c.idTag, type: 'ISO14443' });
const heartbeatInterval = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } };
/** Keeps a new request id as `requestId` and returns it. */
const requestId = (c: CaseContext) => {
  const id = c.unique();
  c.vars.set('requestId', id);
  return id;
};
const sameRequest = (requirement: string) => same('requestId', 'requestId', requirement);
const resultsMatch = (list: string, requirement: string) =>
  rule(
    `${list} has one result per item asked, for the same component and variable`,
    (p) =>
      Array.isArray(p[list]) &&
      p[list].length === 1 &&
      p[list][0]?.component?.name === 'OCPPCommCtrlr' &&
      p[list][0]?.variable?.name === 'HeartbeatInterval',
    requirement,
  );
const trigger = (id: string, requestedMessage: string, title: string, extra: object = {}): ConformanceCase => ({
  id,
  title,
  block: BLOCK.F,
  useCase: 'F06',
  requirements: ['F06.FR.04', 'F06.FR.05'],
  steps: [
    call('TriggerMessage', { requestedMessage, ...extra }, oneOf('status', ['Accepted'], 'F06.FR.05')),
    expectCall(requestedMessage, undefined),
  ],
});
const ofTransaction = (p: Readonly<Record<string, unknown>>, c: CaseContext) =>
  (p.transactionInfo as { transactionId?: unknown }).transactionId === c.vars.get('transactionId');

/** Every charge-point case of a 2.x version. */
export function chargePointV2Cases(protocol: Exclude<Subprotocol, 'ocpp1.6'>): ConformanceCase[] {
  return [
    {
      id: 'CP-B-01',
      title: 'The charging station boots with BootNotification, giving the reason',
      block: BLOCK.B,
      useCase: 'B01',
      requirements: ['B01.FR.01', 'B01.FR.08', 'B01.FR.09'],
      steps: [
        expectCall('BootNotification', undefined, present('reason', 'B01.FR.09'), present('chargingStation.model')),
      ],
    },
    {
      id: 'CP-B-02',
      title: 'GetVariables of HeartbeatInterval gets one result for that component and variable',
      block: BLOCK.B,
      useCase: 'B06',
      requirements: ['B06.FR.01', 'B06.FR.02'],
      steps: [
        call(
          'GetVariables',
          { getVariableData: [heartbeatInterval] },
          resultsMatch('getVariableResult', 'B06.FR.02'),
          oneOf('getVariableResult.0.attributeStatus', ['Accepted']),
        ),
      ],
    },
    {
      id: 'CP-B-03',
      title: 'GetVariables of an unknown component is answered UnknownComponent',
      block: BLOCK.B,
      useCase: 'B06',
      requirements: ['B06.FR.06'],
      steps: [
        call(
          'GetVariables',
          { getVariableData: [{ component: { name: 'KitUnknownComponent' }, variable: { name: 'Enabled' } }] },
          oneOf('getVariableResult.0.attributeStatus', ['UnknownComponent'], 'B06.FR.06'),
        ),
      ],
    },
    {
      id: 'CP-B-04',
      title: 'SetVariables of HeartbeatInterval gets one result for that component and variable',
      block: BLOCK.B,
      useCase: 'B05',
      requirements: ['B05.FR.01', 'B05.FR.02'],
      steps: [
        call(
          'SetVariables',
          { setVariableData: [{ ...heartbeatInterval, attributeValue: '300' }] },
          resultsMatch('setVariableResult', 'B05.FR.02'),
          oneOf('setVariableResult.0.attributeStatus', ['Accepted', 'RebootRequired']),
        ),
      ],
    },
    {
      id: 'CP-B-05',
      title: 'GetBaseReport FullInventory is Accepted and NotifyReport follows with its requestId, starting at seqNo 0',
      block: BLOCK.B,
      useCase: 'B07',
      requirements: ['B07.FR.01', 'B07.FR.04', 'B07.FR.10', 'B07.FR.12'],
      steps: [
        call(
          'GetBaseReport',
          (c) => ({ requestId: requestId(c), reportBase: 'FullInventory' }),
          oneOf('status', ['Accepted'], 'B07.FR.12'),
        ),
        expectCall('NotifyReport', undefined, sameRequest('B07.FR.04'), oneOf('seqNo', [0], 'B07.FR.10')),
      ],
    },
    {
      id: 'CP-B-06',
      title: 'Reset OnIdle is answered, and after an Accepted reset the station boots again',
      block: BLOCK.B,
      useCase: 'B11',
      requirements: ['B11.FR.01', 'B11.FR.04'],
      steps: [
        call('Reset', { type: 'OnIdle' }, oneOf('status', ['Accepted'])),
        expectCall('BootNotification', undefined, present('reason', 'B01.FR.09')),
      ],
    },
    {
      id: 'CP-C-01',
      title: 'ClearCache is answered Accepted or Rejected',
      block: BLOCK.C,
      useCase: 'C11',
      steps: [call('ClearCache', {}, oneOf('status', ['Accepted', 'Rejected']))],
    },
    {
      id: 'CP-D-01',
      title: 'SendLocalList Full of version 7 is Accepted, and GetLocalListVersion then answers 7',
      block: BLOCK.D,
      useCase: 'D01',
      requirements: ['D02.FR.01'],
      steps: [
        call(
          'SendLocalList',
          (c) => ({
            versionNumber: 7,
            updateType: 'Full',
            localAuthorizationList: [{ idToken: token(c), idTokenInfo: { status: 'Accepted' } }],
          }),
          oneOf('status', ['Accepted']),
        ),
        call('GetLocalListVersion', {}, oneOf('versionNumber', [7], 'D02.FR.01')),
      ],
    },
    {
      id: 'CP-E-01',
      title: 'GetTransactionStatus without a transaction id says whether messages are queued',
      block: BLOCK.E,
      useCase: 'E14',
      steps: [call('GetTransactionStatus', {}, present('messagesInQueue'))],
    },
    {
      id: 'CP-F-01',
      title: 'RequestStartTransaction starts a transaction carrying its remoteStartId; RequestStopTransaction ends it',
      block: BLOCK.F,
      useCase: 'F02',
      requirements: ['F01.FR.04', 'F02.FR.01', 'F03.FR.07', 'F03.FR.03'],
      steps: [
        call(
          'RequestStartTransaction',
          (c) => {
            c.vars.set('remoteStartId', c.unique());
            return { idToken: token(c), remoteStartId: c.vars.get('remoteStartId'), evseId: 1 };
          },
          oneOf('status', ['Accepted']),
        ),
        expectCall(
          'TransactionEvent',
          (p, c) => (p.transactionInfo as { remoteStartId?: unknown }).remoteStartId === c.vars.get('remoteStartId'),
          (p, c) => {
            c.vars.set('transactionId', (p.transactionInfo as { transactionId: string }).transactionId);
            return undefined;
          },
        ),
        call(
          'RequestStopTransaction',
          (c) => ({ transactionId: c.vars.get('transactionId') }),
          oneOf('status', ['Accepted'], 'F03.FR.07'),
        ),
        expectCall(
          'TransactionEvent',
          (p, c) => ofTransaction(p, c) && p.eventType === 'Ended',
          oneOf('transactionInfo.stoppedReason', ['Remote'], 'F03.FR.03'),
        ),
      ],
    },
    {
      id: 'CP-F-02',
      title: 'RequestStopTransaction of an unknown transaction is Rejected',
      block: BLOCK.F,
      useCase: 'F03',
      requirements: ['F03.FR.08'],
      steps: [
        call(
          'RequestStopTransaction',
          { transactionId: 'kit-no-such-transaction' },
          oneOf('status', ['Rejected'], 'F03.FR.08'),
        ),
      ],
    },
    trigger('CP-F-03', 'Heartbeat', 'TriggerMessage Heartbeat is Accepted and a Heartbeat follows'),
    trigger('CP-F-04', 'StatusNotification', 'TriggerMessage StatusNotification of EVSE 1 is Accepted and it follows', {
      evse: { id: 1, connectorId: 1 },
    }),
    trigger('CP-F-05', 'MeterValues', 'TriggerMessage MeterValues is Accepted and MeterValues follow', {
      evse: { id: 1 },
    }),
    {
      id: 'CP-F-06',
      title: 'UnlockConnector of EVSE 1 is answered with an unlock status',
      block: BLOCK.F,
      useCase: 'F05',
      steps: [call('UnlockConnector', { evseId: 1, connectorId: 1 }, present('status'))],
    },
    {
      id: 'CP-G-01',
      title:
        'ChangeAvailability of EVSE 1 to Inoperative and back is Accepted, each change followed by a StatusNotification',
      block: BLOCK.G,
      useCase: 'G03',
      requirements: ['G03.FR.01', 'G03.FR.04'],
      steps: [
        call(
          'ChangeAvailability',
          { operationalStatus: 'Inoperative', evse: { id: 1 } },
          oneOf('status', ['Accepted']),
        ),
        expectCall('StatusNotification', (p) => p.evseId === 1 && p.connectorStatus === 'Unavailable'),
        call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1 } }, oneOf('status', ['Accepted'])),
        expectCall('StatusNotification', (p) => p.evseId === 1 && p.connectorStatus === 'Available'),
      ],
    },
    {
      id: 'CP-G-02',
      title: 'ChangeAvailability to the state the station is already in is Accepted',
      block: BLOCK.G,
      useCase: 'G04',
      requirements: ['G03.FR.03'],
      steps: [
        call('ChangeAvailability', { operationalStatus: 'Operative' }, oneOf('status', ['Accepted'], 'G03.FR.03')),
      ],
    },
    {
      id: 'CP-H-01',
      title: 'ReserveNow of EVSE 1 is Accepted and CancelReservation of that reservation is Accepted',
      block: BLOCK.H,
      useCase: 'H01',
      requirements: ['H01.FR.03'],
      steps: [
        call(
          'ReserveNow',
          (c) => {
            c.vars.set('reservationId', c.unique());
            return { id: c.vars.get('reservationId'), expiryDateTime: isoIn(3600), idToken: token(c), evseId: 1 };
          },
          oneOf('status', ['Accepted'], 'H01.FR.03'),
        ),
        call(
          'CancelReservation',
          (c) => ({ reservationId: c.vars.get('reservationId') }),
          oneOf('status', ['Accepted']),
        ),
      ],
    },
    {
      id: 'CP-H-02',
      title: 'CancelReservation of an unknown reservation is Rejected',
      block: BLOCK.H,
      useCase: 'H02',
      steps: [call('CancelReservation', { reservationId: 987654 }, oneOf('status', ['Rejected']))],
    },
    {
      id: 'CP-K-01',
      title: 'SetChargingProfile (TxDefaultProfile) on EVSE 1 is answered, and ClearChargingProfile of its id too',
      block: BLOCK.K,
      useCase: 'K01',
      steps: [
        call(
          'SetChargingProfile',
          {
            evseId: 1,
            chargingProfile: {
              id: 201,
              stackLevel: 0,
              chargingProfilePurpose: 'TxDefaultProfile',
              chargingProfileKind: 'Absolute',
              chargingSchedule: [
                {
                  id: 1,
                  startSchedule: isoNow(),
                  chargingRateUnit: 'A',
                  chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
                },
              ],
            },
          },
          oneOf('status', ['Accepted', 'Rejected']),
        ),
        call('ClearChargingProfile', { chargingProfileId: 201 }, oneOf('status', ['Accepted', 'Unknown'])),
      ],
    },
    {
      id: 'CP-K-02',
      title: 'GetCompositeSchedule of EVSE 1 is answered Accepted or Rejected',
      block: BLOCK.K,
      useCase: 'K08',
      steps: [call('GetCompositeSchedule', { evseId: 1, duration: 3600 }, oneOf('status', ['Accepted', 'Rejected']))],
    },
    {
      id: 'CP-K-03',
      title: 'GetChargingProfiles is answered; when Accepted, ReportChargingProfiles follows with its requestId',
      block: BLOCK.K,
      useCase: 'K09',
      steps: [
        call(
          'GetChargingProfiles',
          (c) => ({ requestId: requestId(c), chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile' } }),
          oneOf('status', ['Accepted', 'NoProfiles']),
        ),
      ],
    },
    {
      id: 'CP-L-01',
      title: 'UpdateFirmware is answered and FirmwareStatusNotification follows with its requestId',
      block: BLOCK.L,
      useCase: 'L01',
      requirements: ['L01.FR.01'],
      steps: [
        call(
          'UpdateFirmware',
          (c) => ({
            requestId: requestId(c),
            firmware: { location: 'https://firmware.example/kit.bin', retrieveDateTime: isoNow() },
          }),
          oneOf('status', ['Accepted']),
        ),
        expectCall('FirmwareStatusNotification', undefined, sameRequest('L01.FR.01')),
      ],
    },
    {
      id: 'CP-M-01',
      title: 'GetInstalledCertificateIds is answered Accepted or NotFound',
      block: BLOCK.M,
      useCase: 'M03',
      steps: [
        call(
          'GetInstalledCertificateIds',
          { certificateType: ['CSMSRootCertificate'] },
          oneOf('status', ['Accepted', 'NotFound']),
        ),
      ],
    },
    {
      id: 'CP-N-01',
      title: 'GetLog is Accepted and LogStatusNotification Uploading follows with its requestId',
      block: BLOCK.N,
      useCase: 'N01',
      requirements: ['N01.FR.01', 'N01.FR.07', 'N01.FR.08'],
      steps: [
        call(
          'GetLog',
          (c) => ({
            logType: 'DiagnosticsLog',
            requestId: requestId(c),
            log: { remoteLocation: 'https://logs.example/' },
          }),
          oneOf('status', ['Accepted', 'AcceptedCanceled'], 'N01.FR.01'),
        ),
        expectCall(
          'LogStatusNotification',
          undefined,
          sameRequest('N01.FR.07'),
          oneOf('status', ['Uploading'], 'N01.FR.08'),
        ),
      ],
    },
    {
      id: 'CP-O-01',
      title: 'GetDisplayMessages is answered Accepted or Unknown',
      block: BLOCK.O,
      useCase: 'O03',
      steps: [
        call('GetDisplayMessages', (c) => ({ requestId: requestId(c) }), oneOf('status', ['Accepted', 'Unknown'])),
      ],
    },
    {
      id: 'CP-P-01',
      title: 'DataTransfer for a vendor the station does not know is answered UnknownVendorId',
      block: BLOCK.P,
      useCase: 'P01',
      steps: [
        call(
          'DataTransfer',
          { vendorId: 'org.ocppkit.unknown', messageId: 'probe' },
          oneOf('status', ['UnknownVendorId']),
        ),
      ],
    },
    ...rpcCases('CP', protocol, { name: 'Reset', missing: {}, wrongType: { type: 3 } }, 'BootNotification'),
  ];
}
