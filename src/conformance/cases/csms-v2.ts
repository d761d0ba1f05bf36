/** The CSMS cases of OCPP 2.0.1 and 2.1 (the messages both share), and those only 2.1 has. */
import type { Subprotocol } from '../../protocol.ts';
import { isoNow } from '../script.ts';
import type { ConformanceCase } from '../types.ts';
import { rpcCases } from './common.ts';
import { certificates, diagnostics, firmware, meterValues, other, smartCharging } from './csms-v2-blocks.ts';
import { authorization, availability, provisioning, security, transactions } from './csms-v2-session.ts';
import { onlyV21 } from './csms-v21.ts';

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
