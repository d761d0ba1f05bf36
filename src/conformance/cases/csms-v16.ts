/** The CSMS cases of OCPP 1.6 (with the security extension): the kit plays a charge point. */
import { call, isoNow, keep, oneOf, recent, rule } from '../script.ts';
import type { CaseContext, ConformanceCase } from '../types.ts';
import { PROFILE, rpcCases, v16MeterValue } from './common.ts';

const AUTHORIZATION = ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'];
const REGISTRATION = ['Accepted', 'Pending', 'Rejected'];
const CLOCK_TOLERANCE = 300;

const start = (connectorId: number) => (c: CaseContext) => ({
  connectorId,
  idTag: c.idTag,
  meterStart: 0,
  timestamp: isoNow(),
});
const tx = (c: CaseContext) => c.vars.get('transactionId') as number;
const transactionIdIsInteger = rule(
  'transactionId is an integer',
  (p) => Number.isInteger(p.transactionId),
  'OCPP 1.6 6.46',
);

/** The session every 1.6 charge point goes through, answered by the CSMS. */
const core: ConformanceCase[] = [
  {
    id: 'CSMS-CORE-01',
    title: 'BootNotification is answered with a registration status, an interval and the current time',
    block: PROFILE.core,
    useCase: '4.2',
    fresh: true,
    steps: [
      call(
        'BootNotification',
        { chargePointVendor: 'ocppkit', chargePointModel: 'conformance-kit' },
        oneOf('status', REGISTRATION),
        recent('currentTime', CLOCK_TOLERANCE),
        rule('interval is not negative', (p) => (p.interval as number) >= 0),
      ),
    ],
  },
  {
    id: 'CSMS-CORE-02',
    title: 'BootNotification with every optional field is accepted',
    block: PROFILE.core,
    useCase: '4.2',
    fresh: true,
    steps: [
      call(
        'BootNotification',
        {
          chargePointVendor: 'ocppkit',
          chargePointModel: 'conformance-kit',
          chargePointSerialNumber: 'KIT-0001',
          chargeBoxSerialNumber: 'KIT-BOX-0001',
          firmwareVersion: '1.0.0',
          iccid: '8931000000000000001',
          imsi: '204080000000001',
          meterType: 'kit-meter',
          meterSerialNumber: 'KIT-M-0001',
        },
        oneOf('status', ['Accepted']),
      ),
    ],
  },
  {
    id: 'CSMS-CORE-03',
    title: 'Heartbeat is answered with the current time',
    block: PROFILE.core,
    useCase: '4.6',
    steps: [call('Heartbeat', {}, recent('currentTime', CLOCK_TOLERANCE))],
  },
  {
    id: 'CSMS-CORE-04',
    title: 'Two Heartbeats: the second time is not before the first',
    block: PROFILE.core,
    useCase: '4.6',
    steps: [
      call('Heartbeat', {}, keep('currentTime', 'first')),
      call(
        'Heartbeat',
        {},
        rule(
          'the second currentTime is not before the first',
          (p, c) => Date.parse(p.currentTime as string) >= Date.parse(c.vars.get('first') as string),
        ),
      ),
    ],
  },
  {
    id: 'CSMS-CORE-05',
    title: 'Authorize is answered with an authorization status',
    block: PROFILE.core,
    useCase: '4.1',
    steps: [call('Authorize', (c) => ({ idTag: c.idTag }), oneOf('idTagInfo.status', AUTHORIZATION))],
  },
  {
    id: 'CSMS-CORE-06',
    title: 'Authorize with an id tag of the longest length (20 characters) is answered',
    block: PROFILE.core,
    useCase: '4.1',
    steps: [call('Authorize', { idTag: 'ABCDEFGHIJ0123456789' }, oneOf('idTagInfo.status', AUTHORIZATION))],
  },
  ...(['Available', 'Preparing', 'Charging', 'SuspendedEV', 'Finishing', 'Unavailable'] as const).map(
    (status, i): ConformanceCase => ({
      id: `CSMS-CORE-${String(7 + i).padStart(2, '0')}`,
      title: `StatusNotification ${status} of connector 1 is confirmed`,
      block: PROFILE.core,
      useCase: '4.9',
      steps: [call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status, timestamp: isoNow() })],
    }),
  ),
  {
    id: 'CSMS-CORE-13',
    title: 'StatusNotification of connector 0 (the charge point itself) is confirmed',
    block: PROFILE.core,
    useCase: '4.9',
    steps: [call('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Available' })],
  },
  {
    id: 'CSMS-CORE-14',
    title: 'StatusNotification Faulted with an error code, info and vendor codes is confirmed',
    block: PROFILE.core,
    useCase: '4.9',
    steps: [
      call('StatusNotification', {
        connectorId: 1,
        errorCode: 'GroundFailure',
        status: 'Faulted',
        info: 'kit: ground fault',
        vendorId: 'org.ocppkit',
        vendorErrorCode: 'GF-1',
        timestamp: isoNow(),
      }),
    ],
  },
  {
    id: 'CSMS-CORE-15',
    title: 'StartTransaction is answered with an integer transaction id and an authorization status',
    block: PROFILE.core,
    useCase: '4.8',
    steps: [
      call(
        'StartTransaction',
        start(1),
        transactionIdIsInteger,
        oneOf('idTagInfo.status', AUTHORIZATION),
        keep('transactionId', 'transactionId'),
      ),
      call('StopTransaction', (c) => ({ transactionId: tx(c), meterStop: 10, timestamp: isoNow() })),
    ],
  },
  {
    id: 'CSMS-CORE-16',
    title: 'A whole session: StartTransaction, MeterValues and StopTransaction of one transaction id',
    block: PROFILE.core,
    useCase: '4.8',
    steps: [
      call('StartTransaction', start(1), transactionIdIsInteger, keep('transactionId', 'transactionId')),
      call('MeterValues', (c) => ({ connectorId: 1, transactionId: tx(c), meterValue: v16MeterValue(500) })),
      call(
        'StopTransaction',
        (c) => ({ transactionId: tx(c), idTag: c.idTag, meterStop: 1000, timestamp: isoNow(), reason: 'Local' }),
        oneOf('idTagInfo.status', [...AUTHORIZATION, undefined]),
      ),
    ],
  },
  {
    id: 'CSMS-CORE-17',
    title: 'Two transactions at once on connectors 1 and 2 get different transaction ids',
    block: PROFILE.core,
    useCase: '4.8',
    steps: [
      call('StartTransaction', start(1), keep('transactionId', 'first')),
      call(
        'StartTransaction',
        start(2),
        rule(
          'the second transaction has an id of its own',
          (p, c) => p.transactionId !== c.vars.get('first'),
          'OCPP 1.6 6.46',
        ),
        keep('transactionId', 'second'),
      ),
      call('StopTransaction', (c) => ({ transactionId: c.vars.get('first'), meterStop: 5, timestamp: isoNow() })),
      call('StopTransaction', (c) => ({ transactionId: c.vars.get('second'), meterStop: 5, timestamp: isoNow() })),
    ],
  },
  {
    id: 'CSMS-CORE-18',
    title: 'MeterValues of connector 0, outside a transaction, are confirmed',
    block: PROFILE.core,
    useCase: '4.7',
    steps: [call('MeterValues', { connectorId: 0, meterValue: v16MeterValue(123456, 'Sample.Clock') })],
  },
  {
    id: 'CSMS-CORE-19',
    title: 'StopTransaction with transaction data and reason EVDisconnected is confirmed',
    block: PROFILE.core,
    useCase: '4.10',
    steps: [
      call('StartTransaction', start(1), keep('transactionId', 'transactionId')),
      call('StopTransaction', (c) => ({
        transactionId: tx(c),
        meterStop: 2000,
        timestamp: isoNow(),
        reason: 'EVDisconnected',
        transactionData: [...v16MeterValue(0, 'Transaction.Begin'), ...v16MeterValue(2000, 'Transaction.End')],
      })),
    ],
  },
  {
    id: 'CSMS-CORE-20',
    title: 'DataTransfer for a vendor the CSMS does not know is answered with a DataTransfer status',
    block: PROFILE.core,
    useCase: '4.3',
    steps: [
      call(
        'DataTransfer',
        { vendorId: 'org.ocppkit.unknown', messageId: 'probe', data: 'kit' },
        oneOf('status', ['Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId']),
      ),
    ],
  },
];

const firmware: ConformanceCase[] = [
  {
    id: 'CSMS-FW-01',
    title: 'FirmwareStatusNotification Idle is confirmed',
    block: PROFILE.firmware,
    useCase: '4.5',
    steps: [call('FirmwareStatusNotification', { status: 'Idle' })],
  },
  {
    id: 'CSMS-FW-02',
    title: 'A firmware update reported step by step (Downloading to Installed) is confirmed at each step',
    block: PROFILE.firmware,
    useCase: '4.5',
    steps: ['Downloading', 'Downloaded', 'Installing', 'Installed'].map((status) =>
      call('FirmwareStatusNotification', { status }),
    ),
  },
  {
    id: 'CSMS-FW-03',
    title: 'A diagnostics upload reported step by step (Uploading, Uploaded) is confirmed',
    block: PROFILE.firmware,
    useCase: '4.4',
    steps: [
      call('DiagnosticsStatusNotification', { status: 'Uploading' }),
      call('DiagnosticsStatusNotification', { status: 'Uploaded' }),
    ],
  },
];

const reservation: ConformanceCase[] = [
  {
    id: 'CSMS-RES-01',
    title: 'StatusNotification Reserved, then a StartTransaction carrying the reservation id, are answered',
    block: PROFILE.reservation,
    useCase: '4.8',
    steps: [
      call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Reserved' }),
      call(
        'StartTransaction',
        (c) => ({ ...start(1)(c), reservationId: 7 }),
        transactionIdIsInteger,
        keep('transactionId', 'transactionId'),
      ),
      call('StopTransaction', (c) => ({ transactionId: tx(c), meterStop: 1, timestamp: isoNow() })),
    ],
  },
];

const security: ConformanceCase[] = [
  {
    id: 'CSMS-SEC-01',
    title: 'SecurityEventNotification is confirmed',
    block: PROFILE.security,
    useCase: 'A04',
    steps: [call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: isoNow(), techInfo: 'kit' })],
  },
  {
    id: 'CSMS-SEC-02',
    title: 'SignCertificate is answered Accepted or Rejected',
    block: PROFILE.security,
    useCase: 'A02',
    steps: [
      call(
        'SignCertificate',
        { csr: '-----BEGIN CERTIFICATE REQUEST-----\nkit\n-----END CERTIFICATE REQUEST-----' },
        oneOf('status', ['Accepted', 'Rejected']),
      ),
    ],
  },
  {
    id: 'CSMS-SEC-03',
    title: 'LogStatusNotification of an upload (Uploading, Uploaded) with its request id is confirmed',
    block: PROFILE.security,
    useCase: 'N01',
    steps: [
      call('LogStatusNotification', { status: 'Uploading', requestId: 11 }),
      call('LogStatusNotification', { status: 'Uploaded', requestId: 11 }),
    ],
  },
  {
    id: 'CSMS-SEC-04',
    title: 'SignedFirmwareStatusNotification of a signed update is confirmed',
    block: PROFILE.security,
    useCase: 'L01',
    steps: [
      call('SignedFirmwareStatusNotification', { status: 'Downloading', requestId: 12 }),
      call('SignedFirmwareStatusNotification', { status: 'SignatureVerified', requestId: 12 }),
    ],
  },
];

/** Every CSMS case of 1.6. */
export const CSMS_V16_CASES: readonly ConformanceCase[] = [
  ...core,
  ...firmware,
  ...reservation,
  ...security,
  ...rpcCases(
    'CSMS',
    'ocpp1.6',
    {
      name: 'StatusNotification',
      missing: { connectorId: 1, status: 'Available' },
      wrongType: { connectorId: 'one', errorCode: 'NoError', status: 'Available' },
    },
    'RemoteStartTransaction',
  ),
];
