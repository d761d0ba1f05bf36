/** The charge-point cases of OCPP 1.6 (with the security extension): the kit plays the Central System. */
import { call, expectCall, isoIn, isoNow, oneOf, present, rule, same } from '../script.ts';
import type { Answer, CaseContext, ConformanceCase } from '../types.ts';
import { PROFILE, rpcCases } from './common.ts';

/** The kit's answer to StartTransaction: accepted, with a transaction id it keeps. */
const startAnswer: Answer = (_request, context) => {
  const transactionId = context.unique();
  context.vars.set('transactionId', transactionId);
  return { idTagInfo: { status: 'Accepted' }, transactionId };
};
const tx = (c: CaseContext) => c.vars.get('transactionId');
const trigger = (id: string, requestedMessage: string, title: string, extra: object = {}): ConformanceCase => ({
  id,
  title,
  block: PROFILE.trigger,
  useCase: '5.17',
  steps: [
    call('TriggerMessage', { requestedMessage, ...extra }, oneOf('status', ['Accepted'])),
    expectCall(requestedMessage, undefined),
  ],
});

/** Every charge-point case of 1.6. */
export const CHARGE_POINT_V16_CASES: readonly ConformanceCase[] = [
  {
    id: 'CP-CORE-01',
    title: 'The charge point boots with BootNotification before anything else, naming vendor and model',
    block: PROFILE.core,
    useCase: '4.2',
    steps: [expectCall('BootNotification', undefined, present('chargePointVendor'), present('chargePointModel'))],
  },
  {
    id: 'CP-CORE-02',
    title: 'GetConfiguration of every key lists HeartbeatInterval',
    block: PROFILE.core,
    useCase: '5.8',
    steps: [
      call(
        'GetConfiguration',
        {},
        rule(
          'configurationKey lists HeartbeatInterval',
          (p) =>
            Array.isArray(p.configurationKey) &&
            p.configurationKey.some((k: { key?: string }) => k.key === 'HeartbeatInterval'),
        ),
      ),
    ],
  },
  {
    id: 'CP-CORE-03',
    title: 'GetConfiguration of an unknown key reports it in unknownKey',
    block: PROFILE.core,
    useCase: '5.8',
    steps: [
      call(
        'GetConfiguration',
        { key: ['KitUnknownKey'] },
        rule(
          'unknownKey lists KitUnknownKey',
          (p) => Array.isArray(p.unknownKey) && p.unknownKey.includes('KitUnknownKey'),
        ),
      ),
    ],
  },
  {
    id: 'CP-CORE-04',
    title: 'ChangeConfiguration of HeartbeatInterval is Accepted or RebootRequired',
    block: PROFILE.core,
    useCase: '5.3',
    steps: [
      call(
        'ChangeConfiguration',
        { key: 'HeartbeatInterval', value: '300' },
        oneOf('status', ['Accepted', 'RebootRequired']),
      ),
    ],
  },
  {
    id: 'CP-CORE-05',
    title: 'ChangeConfiguration of an unknown key is NotSupported',
    block: PROFILE.core,
    useCase: '5.3',
    steps: [call('ChangeConfiguration', { key: 'KitUnknownKey', value: '1' }, oneOf('status', ['NotSupported']))],
  },
  {
    id: 'CP-CORE-06',
    title: 'ClearCache is answered Accepted or Rejected',
    block: PROFILE.core,
    useCase: '5.4',
    steps: [call('ClearCache', {}, oneOf('status', ['Accepted', 'Rejected']))],
  },
  {
    id: 'CP-CORE-07',
    title: 'ChangeAvailability of connector 1 to Inoperative and back is answered, with StatusNotifications',
    block: PROFILE.core,
    useCase: '5.2',
    steps: [
      call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' }, oneOf('status', ['Accepted'])),
      expectCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Unavailable'),
      call('ChangeAvailability', { connectorId: 1, type: 'Operative' }, oneOf('status', ['Accepted'])),
      expectCall('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available'),
    ],
  },
  {
    id: 'CP-CORE-08',
    title:
      'RemoteStartTransaction starts a transaction with the id tag given; RemoteStopTransaction stops that transaction',
    block: PROFILE.core,
    useCase: '5.11',
    answers: { StartTransaction: startAnswer },
    steps: [
      call('RemoteStartTransaction', (c) => ({ connectorId: 1, idTag: c.idTag }), oneOf('status', ['Accepted'])),
      expectCall(
        'StartTransaction',
        undefined,
        rule('the idTag is the one of RemoteStartTransaction', (p, c) => p.idTag === c.idTag, 'OCPP 1.6 5.11'),
      ),
      call('RemoteStopTransaction', (c) => ({ transactionId: tx(c) }), oneOf('status', ['Accepted'])),
      expectCall(
        'StopTransaction',
        undefined,
        rule(
          'StopTransaction names the transaction RemoteStopTransaction stopped',
          (p, c) => p.transactionId === tx(c),
          'OCPP 1.6 5.12',
        ),
      ),
    ],
  },
  {
    id: 'CP-CORE-09',
    title: 'RemoteStopTransaction of an unknown transaction is Rejected',
    block: PROFILE.core,
    useCase: '5.12',
    steps: [call('RemoteStopTransaction', { transactionId: 987654 }, oneOf('status', ['Rejected']))],
  },
  {
    id: 'CP-CORE-10',
    title: 'UnlockConnector of connector 1 is answered with an unlock status',
    block: PROFILE.core,
    useCase: '5.18',
    steps: [call('UnlockConnector', { connectorId: 1 }, oneOf('status', ['Unlocked', 'UnlockFailed', 'NotSupported']))],
  },
  {
    id: 'CP-CORE-11',
    title: 'DataTransfer for a vendor the charge point does not know is answered UnknownVendorId',
    block: PROFILE.core,
    useCase: '5.6',
    steps: [
      call(
        'DataTransfer',
        { vendorId: 'org.ocppkit.unknown', messageId: 'probe' },
        oneOf('status', ['UnknownVendorId']),
      ),
    ],
  },
  {
    id: 'CP-CORE-12',
    title: 'Reset Soft is Accepted and the charge point boots again',
    block: PROFILE.core,
    useCase: '5.14',
    steps: [call('Reset', { type: 'Soft' }, oneOf('status', ['Accepted'])), expectCall('BootNotification', undefined)],
  },
  trigger('CP-TRG-01', 'Heartbeat', 'TriggerMessage Heartbeat is Accepted and a Heartbeat follows'),
  trigger(
    'CP-TRG-02',
    'StatusNotification',
    'TriggerMessage StatusNotification of connector 1 is Accepted and it follows',
    { connectorId: 1 },
  ),
  trigger('CP-TRG-03', 'MeterValues', 'TriggerMessage MeterValues of connector 1 is Accepted and MeterValues follow', {
    connectorId: 1,
  }),
  trigger(
    'CP-TRG-04',
    'FirmwareStatusNotification',
    'TriggerMessage FirmwareStatusNotification is Accepted and it follows',
  ),
  {
    id: 'CP-FW-01',
    title: 'UpdateFirmware is confirmed and the download is reported with FirmwareStatusNotification',
    block: PROFILE.firmware,
    useCase: '5.19',
    steps: [
      call('UpdateFirmware', { location: 'https://firmware.example/kit.bin', retrieveDate: isoNow() }),
      expectCall('FirmwareStatusNotification', undefined),
    ],
  },
  {
    id: 'CP-FW-02',
    title: 'GetDiagnostics is answered and the upload is reported with DiagnosticsStatusNotification',
    block: PROFILE.firmware,
    useCase: '5.9',
    steps: [
      call('GetDiagnostics', { location: 'ftp://diagnostics.example/' }),
      expectCall('DiagnosticsStatusNotification', undefined),
    ],
  },
  {
    id: 'CP-LL-01',
    title: 'SendLocalList Full of version 5 is Accepted, and GetLocalListVersion then answers 5',
    block: PROFILE.localList,
    useCase: '5.15',
    steps: [
      call(
        'SendLocalList',
        (c) => ({
          listVersion: 5,
          updateType: 'Full',
          localAuthorizationList: [{ idTag: c.idTag, idTagInfo: { status: 'Accepted' } }],
        }),
        oneOf('status', ['Accepted']),
      ),
      call('GetLocalListVersion', {}, oneOf('listVersion', [5])),
    ],
  },
  {
    id: 'CP-RES-01',
    title: 'ReserveNow of connector 1 is Accepted and CancelReservation of that reservation is Accepted',
    block: PROFILE.reservation,
    useCase: '5.13',
    steps: [
      call(
        'ReserveNow',
        (c) => {
          c.vars.set('reservationId', c.unique());
          return {
            connectorId: 1,
            expiryDate: isoIn(3600),
            idTag: c.idTag,
            reservationId: c.vars.get('reservationId'),
          };
        },
        oneOf('status', ['Accepted']),
      ),
      call('CancelReservation', (c) => ({ reservationId: c.vars.get('reservationId') }), oneOf('status', ['Accepted'])),
    ],
  },
  {
    id: 'CP-RES-02',
    title: 'CancelReservation of an unknown reservation is Rejected',
    block: PROFILE.reservation,
    useCase: '5.1',
    steps: [call('CancelReservation', { reservationId: 987654 }, oneOf('status', ['Rejected']))],
  },
  {
    id: 'CP-SC-01',
    title: 'SetChargingProfile (TxDefaultProfile) on connector 1 is answered, and ClearChargingProfile of its id too',
    block: PROFILE.smartCharging,
    useCase: '5.16',
    steps: [
      call(
        'SetChargingProfile',
        {
          connectorId: 1,
          csChargingProfiles: {
            chargingProfileId: 101,
            stackLevel: 0,
            chargingProfilePurpose: 'TxDefaultProfile',
            chargingProfileKind: 'Absolute',
            chargingSchedule: {
              startSchedule: isoNow(),
              chargingRateUnit: 'A',
              chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.5 }],
            },
          },
        },
        oneOf('status', ['Accepted', 'Rejected', 'NotSupported']),
      ),
      call('ClearChargingProfile', { id: 101 }, oneOf('status', ['Accepted', 'Unknown'])),
    ],
  },
  {
    id: 'CP-SC-02',
    title: 'GetCompositeSchedule of connector 1 is answered Accepted or Rejected',
    block: PROFILE.smartCharging,
    useCase: '5.7',
    steps: [
      call('GetCompositeSchedule', { connectorId: 1, duration: 3600 }, oneOf('status', ['Accepted', 'Rejected'])),
    ],
  },
  {
    id: 'CP-SEC-01',
    title: 'GetLog is Accepted and LogStatusNotification carries its request id',
    block: PROFILE.security,
    useCase: 'N01',
    steps: [
      call(
        'GetLog',
        (c) => {
          c.vars.set('requestId', c.unique());
          return {
            logType: 'DiagnosticsLog',
            requestId: c.vars.get('requestId'),
            log: { remoteLocation: 'ftp://logs.example/' },
          };
        },
        oneOf('status', ['Accepted', 'AcceptedCanceled']),
      ),
      expectCall('LogStatusNotification', undefined, same('requestId', 'requestId', 'N01.FR.07')),
    ],
  },
  {
    id: 'CP-SEC-02',
    title: 'ExtendedTriggerMessage Heartbeat is Accepted and a Heartbeat follows',
    block: PROFILE.security,
    useCase: '5.5',
    steps: [
      call('ExtendedTriggerMessage', { requestedMessage: 'Heartbeat' }, oneOf('status', ['Accepted'])),
      expectCall('Heartbeat', undefined),
    ],
  },
  {
    id: 'CP-SEC-03',
    title: 'GetInstalledCertificateIds is answered Accepted or NotFound',
    block: PROFILE.security,
    useCase: 'M03',
    steps: [
      call(
        'GetInstalledCertificateIds',
        { certificateType: 'CentralSystemRootCertificate' },
        oneOf('status', ['Accepted', 'NotFound']),
      ),
    ],
  },
  {
    id: 'CP-SEC-04',
    title: 'DeleteCertificate of a certificate the charge point does not have is NotFound',
    block: PROFILE.security,
    useCase: 'M04',
    steps: [
      call(
        'DeleteCertificate',
        {
          certificateHashData: {
            hashAlgorithm: 'SHA256',
            issuerNameHash: 'a1',
            issuerKeyHash: 'b2',
            serialNumber: '987654',
          },
        },
        oneOf('status', ['NotFound', 'Failed']),
      ),
    ],
  },
  ...rpcCases('CP', 'ocpp1.6', { name: 'Reset', missing: {}, wrongType: { type: 3 } }, 'BootNotification'),
];
