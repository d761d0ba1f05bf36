/** The CSMS cases of OCPP 2.0.1 and 2.1 (the messages both share), and those only 2.1 has. */
import type { Subprotocol } from '../../protocol.ts';
import { call, isoIn, isoNow, oneOf, pause, present, recent, rule, same, send } from '../script.ts';
import type { CaseContext, ConformanceCase } from '../types.ts';
import { BLOCK, bootRequest, rpcCases, transactionEvent, v2MeterValue } from './common.ts';

const AUTHORIZATION = [
  'Accepted',
  'Blocked',
  'ConcurrentTx',
  'Expired',
  'Invalid',
  'NoCredit',
  'NotAllowedTypeEVSE',
  'NotAtThisLocation',
  'NotAtThisTime',
  'Unknown',
];
const CLOCK_TOLERANCE = 300;
const token = (c: CaseContext, type = 'ISO14443') => ({ idToken: c.idTag, type });
const component = (name: string) => ({ name });
const idTokenInfo = oneOf('idTokenInfo.status', AUTHORIZATION, 'E01.FR.12');
const noCallError = (
  action: string,
  payload: object | ((c: CaseContext) => object),
  id: string,
  title: string,
  block: string,
  useCase: string,
  requirements?: string[],
): ConformanceCase => ({
  id,
  title,
  block,
  useCase,
  ...(requirements === undefined ? {} : { requirements }),
  steps: [call(action, payload)],
});

const provisioning: ConformanceCase[] = [
  {
    id: 'CSMS-B-01',
    title: 'BootNotification is answered with a registration status, an interval and the current time',
    block: BLOCK.B,
    useCase: 'B01',
    requirements: ['B01.FR.02'],
    fresh: true,
    steps: [
      call(
        'BootNotification',
        (c) => bootRequest(c.protocol),
        oneOf('status', ['Accepted', 'Pending', 'Rejected'], 'B01.FR.02'),
        recent('currentTime', CLOCK_TOLERANCE),
        rule('interval is not negative', (p) => (p.interval as number) >= 0),
      ),
    ],
  },
  {
    id: 'CSMS-B-02',
    title: 'BootNotification with serial number, firmware version and modem is accepted',
    block: BLOCK.B,
    useCase: 'B01',
    fresh: true,
    steps: [
      call(
        'BootNotification',
        {
          reason: 'PowerUp',
          chargingStation: {
            vendorName: 'ocppkit',
            model: 'conformance-kit',
            serialNumber: 'KIT-0001',
            firmwareVersion: '1.0.0',
            modem: { iccid: '8931000000000000001', imsi: '204080000000001' },
          },
        },
        oneOf('status', ['Accepted']),
      ),
    ],
  },
  {
    id: 'CSMS-B-03',
    title: 'BootNotification after a remote reset (reason RemoteReset) is accepted',
    block: BLOCK.B,
    useCase: 'B11',
    requirements: ['B11.FR.04'],
    fresh: true,
    steps: [
      call(
        'BootNotification',
        { reason: 'RemoteReset', chargingStation: { vendorName: 'ocppkit', model: 'conformance-kit' } },
        oneOf('status', ['Accepted']),
      ),
    ],
  },
  {
    id: 'CSMS-B-04',
    title: 'NotifyReport of a base report in one part is confirmed',
    block: BLOCK.B,
    useCase: 'B07',
    requirements: ['B07.FR.03'],
    steps: [
      call('NotifyReport', (c) => ({
        requestId: c.unique(),
        generatedAt: isoNow(),
        seqNo: 0,
        reportData: [
          {
            component: component('OCPPCommCtrlr'),
            variable: { name: 'HeartbeatInterval' },
            variableAttribute: [{ type: 'Actual', value: '300' }],
          },
        ],
      })),
    ],
  },
  {
    id: 'CSMS-B-05',
    title: 'NotifyReport in two parts (seqNo 0 with tbc, then seqNo 1) is confirmed part by part',
    block: BLOCK.B,
    useCase: 'B07',
    requirements: ['B07.FR.04', 'B07.FR.10'],
    steps: [
      call('NotifyReport', (c) => {
        c.vars.set('requestId', c.unique());
        return {
          requestId: c.vars.get('requestId'),
          generatedAt: isoNow(),
          seqNo: 0,
          tbc: true,
          reportData: [
            {
              component: component('ChargingStation'),
              variable: { name: 'Model' },
              variableAttribute: [{ value: 'conformance-kit', mutability: 'ReadOnly' }],
            },
          ],
        };
      }),
      call('NotifyReport', (c) => ({
        requestId: c.vars.get('requestId'),
        generatedAt: isoNow(),
        seqNo: 1,
        tbc: false,
      })),
    ],
  },
];

const authorization: ConformanceCase[] = [
  {
    id: 'CSMS-C-01',
    title: 'Authorize of an RFID token (ISO14443) is answered with an authorization status',
    block: BLOCK.C,
    useCase: 'C01',
    requirements: ['C01.FR.07'],
    steps: [call('Authorize', (c) => ({ idToken: token(c) }), oneOf('idTokenInfo.status', AUTHORIZATION, 'C01.FR.07'))],
  },
  {
    id: 'CSMS-C-02',
    title: 'Authorize of a PIN code (KeyCode) is answered with an authorization status',
    block: BLOCK.C,
    useCase: 'C04',
    requirements: ['C01.FR.07'],
    steps: [
      call(
        'Authorize',
        { idToken: { idToken: '1234', type: 'KeyCode' } },
        oneOf('idTokenInfo.status', AUTHORIZATION, 'C01.FR.07'),
      ),
    ],
  },
  {
    id: 'CSMS-C-03',
    title: 'Authorize of a local id type (Local) is answered with an authorization status',
    block: BLOCK.C,
    useCase: 'C06',
    requirements: ['C01.FR.07'],
    steps: [
      call(
        'Authorize',
        { idToken: { idToken: 'LOCAL-1', type: 'Local' } },
        oneOf('idTokenInfo.status', AUTHORIZATION, 'C01.FR.07'),
      ),
    ],
  },
];

const transactions: ConformanceCase[] = [
  {
    id: 'CSMS-E-01',
    title: 'A whole session: TransactionEvent Started, Updated and Ended of one transaction id, seqNo 0 to 2',
    block: BLOCK.E,
    useCase: 'E01',
    requirements: ['E01.FR.07'],
    steps: [
      call(
        'TransactionEvent',
        (c) =>
          transactionEvent(
            c,
            'Started',
            'Authorized',
            0,
            { idToken: token(c), meterValue: v2MeterValue(0, 'Transaction.Begin') },
            { chargingState: 'EVConnected' },
          ),
        idTokenInfo,
        present('idTokenInfo', 'E01.FR.12'),
      ),
      call('TransactionEvent', (c) =>
        transactionEvent(c, 'Updated', 'ChargingStateChanged', 1, {}, { chargingState: 'Charging' }),
      ),
      call('TransactionEvent', (c) =>
        transactionEvent(
          c,
          'Ended',
          'StopAuthorized',
          2,
          { meterValue: v2MeterValue(1500, 'Transaction.End') },
          { stoppedReason: 'Local' },
        ),
      ),
    ],
  },
  {
    id: 'CSMS-E-02',
    title:
      'Cable plugged in first: a Started event without a token, then Authorized with one, is answered with idTokenInfo',
    block: BLOCK.E,
    useCase: 'E02',
    requirements: ['E01.FR.10', 'E01.FR.12'],
    steps: [
      call('TransactionEvent', (c) =>
        transactionEvent(c, 'Started', 'CablePluggedIn', 0, {}, { chargingState: 'EVConnected' }),
      ),
      call(
        'TransactionEvent',
        (c) => transactionEvent(c, 'Updated', 'Authorized', 1, { idToken: token(c) }),
        present('idTokenInfo', 'E01.FR.12'),
        idTokenInfo,
      ),
      call('TransactionEvent', (c) =>
        transactionEvent(c, 'Ended', 'EVCommunicationLost', 2, {}, { stoppedReason: 'EVDisconnected' }),
      ),
    ],
  },
  {
    id: 'CSMS-E-03',
    title: 'Token presented first: a Started event with the token is answered with idTokenInfo',
    block: BLOCK.E,
    useCase: 'E03',
    requirements: ['E01.FR.12'],
    steps: [
      call(
        'TransactionEvent',
        (c) => transactionEvent(c, 'Started', 'Authorized', 0, { idToken: token(c) }),
        present('idTokenInfo', 'E01.FR.12'),
        idTokenInfo,
      ),
      call('TransactionEvent', (c) =>
        transactionEvent(c, 'Ended', 'EVCommunicationLost', 1, {}, { stoppedReason: 'EVDisconnected' }),
      ),
    ],
  },
  {
    id: 'CSMS-E-04',
    title: 'A transaction started while offline (offline: true, queued events) is confirmed',
    block: BLOCK.E,
    useCase: 'E04',
    steps: [
      call(
        'TransactionEvent',
        (c) => transactionEvent(c, 'Started', 'Authorized', 0, { offline: true, idToken: token(c) }),
        idTokenInfo,
      ),
      call('TransactionEvent', (c) =>
        transactionEvent(c, 'Updated', 'MeterValuePeriodic', 1, { offline: true, meterValue: v2MeterValue(300) }),
      ),
      call('TransactionEvent', (c) =>
        transactionEvent(c, 'Ended', 'StopAuthorized', 2, {}, { stoppedReason: 'Local' }),
      ),
    ],
  },
  {
    id: 'CSMS-E-05',
    title: 'A transaction stopped locally by the same token: the Ended event with the token gets idTokenInfo',
    block: BLOCK.E,
    useCase: 'E07',
    requirements: ['E01.FR.12'],
    steps: [
      call('TransactionEvent', (c) => transactionEvent(c, 'Started', 'Authorized', 0, { idToken: token(c) })),
      call(
        'TransactionEvent',
        (c) => transactionEvent(c, 'Ended', 'StopAuthorized', 1, { idToken: token(c) }, { stoppedReason: 'Local' }),
        present('idTokenInfo', 'E01.FR.12'),
        idTokenInfo,
      ),
    ],
  },
  {
    id: 'CSMS-E-06',
    title: 'A transaction ended by the cable being unplugged on the EV side is confirmed',
    block: BLOCK.E,
    useCase: 'E09',
    steps: [
      call('TransactionEvent', (c) => transactionEvent(c, 'Started', 'CablePluggedIn', 0)),
      call('TransactionEvent', (c) =>
        transactionEvent(
          c,
          'Ended',
          'EVCommunicationLost',
          1,
          { meterValue: v2MeterValue(10, 'Transaction.End') },
          { stoppedReason: 'EVDisconnected' },
        ),
      ),
    ],
  },
];

const availability: ConformanceCase[] = [
  ...(['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted'] as const).map(
    (connectorStatus, i): ConformanceCase =>
      noCallError(
        'StatusNotification',
        { timestamp: isoNow(), connectorStatus, evseId: 1, connectorId: 1 },
        `CSMS-G-0${i + 1}`,
        `StatusNotification ${connectorStatus} of EVSE 1, connector 1 is confirmed`,
        BLOCK.G,
        'G01',
        ['G01.FR.01'],
      ),
  ),
  {
    id: 'CSMS-G-06',
    title: 'Heartbeat is answered with the current time of the CSMS',
    block: BLOCK.G,
    useCase: 'G02',
    requirements: ['G02.FR.03'],
    steps: [call('Heartbeat', {}, recent('currentTime', CLOCK_TOLERANCE, 'G02.FR.03'))],
  },
  noCallError(
    'NotifyEvent',
    (c) => ({
      generatedAt: isoNow(),
      seqNo: 0,
      eventData: [
        {
          eventId: c.unique(),
          timestamp: isoNow(),
          trigger: 'Alerting',
          actualValue: 'true',
          component: { name: 'ConnectorPlugRetentionLock', evse: { id: 1, connectorId: 1 } },
          variable: { name: 'Problem' },
          eventNotificationType: 'HardWiredNotification',
        },
      ],
    }),
    'CSMS-G-07',
    'NotifyEvent of a lock failure is confirmed',
    BLOCK.G,
    'G05',
  ),
];

const meterValues: ConformanceCase[] = [
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

const schedule = { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] };
const smartCharging: ConformanceCase[] = [
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

const firmware: ConformanceCase[] = [
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

const security: ConformanceCase[] = [
  noCallError(
    'SecurityEventNotification',
    { type: 'StartupOfTheDevice', timestamp: isoNow(), techInfo: 'kit' },
    'CSMS-A-01',
    'SecurityEventNotification is confirmed',
    BLOCK.A,
    'A04',
    ['A04.FR.03'],
  ),
  {
    id: 'CSMS-A-02',
    title: 'SignCertificate is answered Accepted or Rejected',
    block: BLOCK.A,
    useCase: 'A02',
    steps: [
      call(
        'SignCertificate',
        {
          csr: '-----BEGIN CERTIFICATE REQUEST-----\nkit\n-----END CERTIFICATE REQUEST-----',
          certificateType: 'ChargingStationCertificate',
        },
        oneOf('status', ['Accepted', 'Rejected']),
      ),
    ],
  },
];

const certificates: ConformanceCase[] = [
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

const diagnostics: ConformanceCase[] = [
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
    (c) => ({
      generatedAt: isoNow(),
      seqNo: 0,
      eventData: [
        {
          eventId: c.unique(),
          timestamp: isoNow(),
          trigger: 'Delta',
          actualValue: '231',
          component: component('EVSE'),
          variable: { name: 'Voltage' },
          eventNotificationType: 'CustomMonitor',
          variableMonitoringId: 1,
        },
      ],
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

const other: ConformanceCase[] = [
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

/** The cases of messages only 2.1 has. */
const onlyV21: ConformanceCase[] = [
  {
    id: 'CSMS-N-05',
    title:
      'OpenPeriodicEventStream is answered, NotifyPeriodicEventStream (a SEND) is not, ClosePeriodicEventStream is confirmed',
    block: BLOCK.N,
    useCase: 'N11',
    steps: [
      call(
        'OpenPeriodicEventStream',
        (c) => {
          c.vars.set('stream', c.unique());
          return { constantStreamData: { id: c.vars.get('stream'), variableMonitoringId: 1, params: { interval: 1 } } };
        },
        oneOf('status', ['Accepted', 'Rejected']),
      ),
      send('NotifyPeriodicEventStream', (c) => ({
        id: c.vars.get('stream'),
        pending: 0,
        basetime: isoNow(),
        data: [{ t: 0, v: '7.2' }],
      })),
      pause(200),
      call('ClosePeriodicEventStream', (c) => ({ id: c.vars.get('stream') })),
    ],
  },
  {
    id: 'CSMS-M-03',
    title: 'GetCertificateChainStatus is answered with one status per certificate asked about',
    block: BLOCK.M,
    useCase: 'M07',
    steps: [
      call(
        'GetCertificateChainStatus',
        {
          certificateStatusRequests: [
            {
              source: 'OCSP',
              urls: ['http://ocsp.example'],
              certificateHashData: {
                hashAlgorithm: 'SHA256',
                issuerNameHash: 'a1',
                issuerKeyHash: 'b2',
                serialNumber: '01',
              },
            },
          ],
        },
        rule(
          'one certificateStatus per request',
          (p) => Array.isArray(p.certificateStatus) && p.certificateStatus.length === 1,
        ),
      ),
    ],
  },
  {
    id: 'CSMS-K-06',
    title: 'PullDynamicScheduleUpdate is answered with a status',
    block: BLOCK.K,
    useCase: 'K28',
    steps: [call('PullDynamicScheduleUpdate', { chargingProfileId: 1 }, present('status'))],
  },
  noCallError(
    'NotifyPriorityCharging',
    (c) => ({ transactionId: `kit-tx-${c.unique()}`, activated: true }),
    'CSMS-K-07',
    'NotifyPriorityCharging is confirmed',
    BLOCK.K,
    'K21',
  ),
  {
    id: 'CSMS-C-04',
    title: 'VatNumberValidation is answered for the VAT number asked about',
    block: BLOCK.C,
    useCase: 'C18',
    steps: [
      call(
        'VatNumberValidation',
        (c) => {
          c.vars.set('vat', 'NL123456789B01');
          return { vatNumber: 'NL123456789B01' };
        },
        same('vatNumber', 'vat'),
        oneOf('status', ['Accepted', 'Rejected']),
      ),
    ],
  },
  noCallError(
    'NotifyDERAlarm',
    { controlType: 'FreqDroop', timestamp: isoNow(), gridEventFault: 'OverVoltage' },
    'CSMS-R-01',
    'NotifyDERAlarm is confirmed',
    BLOCK.R,
    'R05',
  ),
  noCallError(
    'ReportDERControl',
    (c) => ({ requestId: c.unique() }),
    'CSMS-R-02',
    'ReportDERControl is confirmed',
    BLOCK.R,
    'R04',
  ),
  noCallError(
    'BatterySwap',
    (c) => ({
      eventType: 'BatteryIn',
      requestId: c.unique(),
      idToken: token(c),
      batteryData: [{ evseId: 1, serialNumber: 'BAT-1', soC: 80, soH: 95 }],
    }),
    'CSMS-S-01',
    'BatterySwap of a battery put in is confirmed',
    BLOCK.S,
    'S03',
  ),
];

/** Every CSMS case of a 2.x version. */
export function csmsV2Cases(protocol: Exclude<Subprotocol, 'ocpp1.6'>): ConformanceCase[] {
  return [
    ...security,
    ...provisioning,
    ...authorization,
    ...transactions,
    ...availability,
    ...other.filter((c) => c.id === 'CSMS-H-01'),
    ...meterValues,
    ...smartCharging,
    ...firmware,
    ...certificates,
    ...diagnostics,
    ...other.filter((c) => c.id !== 'CSMS-H-01'),
    ...(protocol === 'ocpp2.1' ? onlyV21 : []),
    ...rpcCases(
      'CSMS',
      protocol,
      {
        name: 'StatusNotification',
        missing: { timestamp: isoNow(), evseId: 1, connectorId: 1 },
        wrongType: { timestamp: isoNow(), connectorStatus: 'Available', evseId: 'one', connectorId: 1 },
      },
      'RequestStartTransaction',
    ),
  ];
}
