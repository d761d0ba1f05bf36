/** The 2.x CSMS cases of the other blocks: meter values, smart charging, firmware, certificates, diagnostics, … */
import { call, isoIn, isoNow, oneOf, present } from '../script.ts';
import type { ConformanceCase } from '../types.ts';
import { BLOCK, transactionEvent, v2MeterValue } from './common.ts';
import { component, noCallError, notifyEvent } from './csms-v2-shared.ts';

export const meterValues: ConformanceCase[] = [
  noCallError(
    'MeterValues',
    { evseId: 0, meterValue: v2MeterValue(123456, 'Sample.Clock') },
    'CSMS-J-01',
    'MeterValues of the whole station (evseId 0) are confirmed',
    BLOCK.J,
    'J01',
    ['J01.FR.02', 'J01.FR.03'],
  ),
  noCallError(
    'MeterValues',
    () => ({
      evseId: 1,
      meterValue: [
        {
          timestamp: isoNow(),
          sampledValue: [
            { value: 7200, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } },
            { value: 230, measurand: 'Voltage', phase: 'L1-N', unitOfMeasure: { unit: 'V' } },
            { value: 16, measurand: 'Current.Import', phase: 'L1' },
          ],
        },
      ],
    }),
    'CSMS-J-02',
    'MeterValues of EVSE 1 with power, voltage and current samples are confirmed',
    BLOCK.J,
    'J01',
    ['J01.FR.06', 'J01.FR.07'],
  ),
  {
    id: 'CSMS-J-03',
    title: 'Transaction meter values travel in TransactionEvent Updated (MeterValuePeriodic)',
    block: BLOCK.J,
    useCase: 'J02',
    steps: [
      call('TransactionEvent', (c) => transactionEvent(c, 'Started', 'CablePluggedIn', 0)),
      call('TransactionEvent', (c) =>
        transactionEvent(c, 'Updated', 'MeterValuePeriodic', 1, { meterValue: v2MeterValue(250) }),
      ),
      call('TransactionEvent', (c) =>
        transactionEvent(c, 'Updated', 'MeterValuePeriodic', 2, { meterValue: v2MeterValue(500) }),
      ),
      call('TransactionEvent', (c) =>
        transactionEvent(c, 'Ended', 'EVCommunicationLost', 3, {}, { stoppedReason: 'EVDisconnected' }),
      ),
    ],
  },
];

export const schedule = { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] };
export const smartCharging: ConformanceCase[] = [
  noCallError(
    'NotifyChargingLimit',
    { evseId: 1, chargingLimit: { chargingLimitSource: 'EMS' }, chargingSchedule: [schedule] },
    'CSMS-K-01',
    'NotifyChargingLimit from an energy management system is confirmed',
    BLOCK.K,
    'K12',
  ),
  noCallError(
    'ClearedChargingLimit',
    { chargingLimitSource: 'EMS', evseId: 1 },
    'CSMS-K-02',
    'ClearedChargingLimit is confirmed',
    BLOCK.K,
    'K13',
  ),
  noCallError(
    'ReportChargingProfiles',
    (c) => ({
      requestId: c.unique(),
      chargingLimitSource: 'CSO',
      evseId: 1,
      chargingProfile: [
        {
          id: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'TxDefaultProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: [{ ...schedule, startSchedule: isoNow() }],
        },
      ],
    }),
    'CSMS-K-03',
    'ReportChargingProfiles is confirmed',
    BLOCK.K,
    'K09',
  ),
  {
    id: 'CSMS-K-04',
    title: 'NotifyEVChargingNeeds is answered with a status',
    block: BLOCK.K,
    useCase: 'K15',
    steps: [
      call(
        'NotifyEVChargingNeeds',
        {
          evseId: 1,
          chargingNeeds: {
            requestedEnergyTransfer: 'AC_three_phase',
            departureTime: isoIn(3600),
            acChargingParameters: { energyAmount: 20000, evMinCurrent: 6, evMaxCurrent: 32, evMaxVoltage: 400 },
          },
        },
        present('status'),
      ),
    ],
  },
  {
    id: 'CSMS-K-05',
    title: 'NotifyEVChargingSchedule is answered Accepted or Rejected',
    block: BLOCK.K,
    useCase: 'K17',
    steps: [
      call(
        'NotifyEVChargingSchedule',
        { evseId: 1, timeBase: isoNow(), chargingSchedule: schedule },
        oneOf('status', ['Accepted', 'Rejected']),
      ),
    ],
  },
];

export const firmware: ConformanceCase[] = [
  {
    id: 'CSMS-L-01',
    title: 'A firmware update reported step by step (Downloading to Installed) with its request id is confirmed',
    block: BLOCK.L,
    useCase: 'L01',
    requirements: ['L01.FR.01'],
    steps: ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'Installed'].map((status) =>
      call('FirmwareStatusNotification', { status, requestId: 21 }),
    ),
  },
  noCallError(
    'PublishFirmwareStatusNotification',
    { status: 'Published', location: ['https://local-controller.example/firmware.bin'], requestId: 22 },
    'CSMS-L-02',
    'PublishFirmwareStatusNotification of a local controller is confirmed',
    BLOCK.L,
    'L03',
  ),
];

export const certificates: ConformanceCase[] = [
  {
    id: 'CSMS-M-01',
    title: 'Get15118EVCertificate is answered with a status and an EXI response',
    block: BLOCK.M,
    useCase: 'M01',
    steps: [
      call(
        'Get15118EVCertificate',
        { iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef', action: 'Install', exiRequest: 'a2l0' },
        oneOf('status', ['Accepted', 'Failed']),
        present('exiResponse'),
      ),
    ],
  },
  {
    id: 'CSMS-M-02',
    title: 'GetCertificateStatus is answered Accepted or Failed',
    block: BLOCK.M,
    useCase: 'M06',
    steps: [
      call(
        'GetCertificateStatus',
        {
          ocspRequestData: {
            hashAlgorithm: 'SHA256',
            issuerNameHash: 'a1',
            issuerKeyHash: 'b2',
            serialNumber: '01',
            responderURL: 'http://ocsp.example',
          },
        },
        oneOf('status', ['Accepted', 'Failed']),
      ),
    ],
  },
];

export const diagnostics: ConformanceCase[] = [
  {
    id: 'CSMS-N-01',
    title: 'LogStatusNotification of an upload (Uploading, Uploaded) with its request id is confirmed',
    block: BLOCK.N,
    useCase: 'N01',
    requirements: ['N01.FR.07', 'N01.FR.08', 'N01.FR.09'],
    steps: [
      call('LogStatusNotification', { status: 'Uploading', requestId: 31 }),
      call('LogStatusNotification', { status: 'Uploaded', requestId: 31 }),
    ],
  },
  noCallError(
    'NotifyMonitoringReport',
    (c) => ({
      requestId: c.unique(),
      seqNo: 0,
      generatedAt: isoNow(),
      monitor: [
        {
          component: component('EVSE'),
          variable: { name: 'Power' },
          variableMonitoring: [
            {
              id: 1,
              transaction: false,
              value: 22000,
              type: 'UpperThreshold',
              severity: 5,
              ...(c.protocol === 'ocpp2.1' ? { eventNotificationType: 'CustomMonitor' } : {}),
            },
          ],
        },
      ],
    }),
    'CSMS-N-02',
    'NotifyMonitoringReport is confirmed',
    BLOCK.N,
    'N02',
    ['N02.FR.09'],
  ),
  noCallError(
    'NotifyEvent',
    notifyEvent({
      trigger: 'Delta',
      actualValue: '231',
      component: component('EVSE'),
      variable: { name: 'Voltage' },
      eventNotificationType: 'CustomMonitor',
      variableMonitoringId: 1,
    }),
    'CSMS-N-03',
    'NotifyEvent of a monitor is confirmed',
    BLOCK.N,
    'N07',
  ),
  noCallError(
    'NotifyCustomerInformation',
    (c) => ({ data: 'kit: no data held', seqNo: 0, generatedAt: isoNow(), requestId: c.unique() }),
    'CSMS-N-04',
    'NotifyCustomerInformation is confirmed',
    BLOCK.N,
    'N09',
  ),
];

export const other: ConformanceCase[] = [
  noCallError(
    'ReservationStatusUpdate',
    { reservationId: 41, reservationUpdateStatus: 'Expired' },
    'CSMS-H-01',
    'ReservationStatusUpdate of an expired reservation is confirmed',
    BLOCK.H,
    'H04',
  ),
  noCallError(
    'NotifyDisplayMessages',
    (c) => ({
      requestId: c.unique(),
      messageInfo: [{ id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Welcome' } }],
    }),
    'CSMS-O-01',
    'NotifyDisplayMessages is confirmed',
    BLOCK.O,
    'O03',
  ),
  {
    id: 'CSMS-P-01',
    title: 'DataTransfer for a vendor the CSMS does not know is answered UnknownVendorId',
    block: BLOCK.P,
    useCase: 'P02',
    requirements: ['P02.FR.06'],
    steps: [
      call(
        'DataTransfer',
        { vendorId: 'org.ocppkit.unknown', messageId: 'probe', data: 'kit' },
        oneOf('status', ['UnknownVendorId'], 'P02.FR.06'),
      ),
    ],
  },
];
