/** The 2.x CSMS cases of the charging session: boot, authorization, transactions, availability, security. */
import { call, isoNow, oneOf, present, recent, rule } from '../script.ts';
import type { ConformanceCase } from '../types.ts';
import { BLOCK, bootRequest, transactionEvent, v2MeterValue } from './common.ts';
import {
  AUTHORIZATION,
  CLOCK_TOLERANCE,
  component,
  idTokenInfo,
  noCallError,
  notifyEvent,
  token,
} from './csms-v2-shared.ts';

export const provisioning: ConformanceCase[] = [
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

export const authorization: ConformanceCase[] = [
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

export const transactions: ConformanceCase[] = [
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

export const availability: ConformanceCase[] = [
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
    notifyEvent({
      trigger: 'Alerting',
      actualValue: 'true',
      component: { name: 'ConnectorPlugRetentionLock', evse: { id: 1, connectorId: 1 } },
      variable: { name: 'Problem' },
      eventNotificationType: 'HardWiredNotification',
    }),
    'CSMS-G-07',
    'NotifyEvent of a lock failure is confirmed',
    BLOCK.G,
    'G05',
  ),
];

export const security: ConformanceCase[] = [
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
