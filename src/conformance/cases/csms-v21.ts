/** The CSMS cases of messages only OCPP 2.1 has. */
import { call, isoNow, oneOf, pause, present, rule, same, send } from '../script.ts';
import type { ConformanceCase } from '../types.ts';
import { BLOCK } from './common.ts';
import { noCallError, token } from './csms-v2-shared.ts';

/** The cases of messages only 2.1 has. */
export const onlyV21: ConformanceCase[] = [
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
