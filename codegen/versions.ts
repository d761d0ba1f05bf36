/** The OCPP versions ocppkit generates, and how each one's official schemas are identified. */
export type VersionKey = 'v16' | 'v201' | 'v21';

export interface VersionInfo {
  key: VersionKey;
  /** The WebSocket subprotocol, which is also the key in the spec-facts tables. */
  subprotocol: 'ocpp1.6' | 'ocpp2.0.1' | 'ocpp2.1';
  /** Prefix of aggregate names (`V16Handlers`). */
  prefix: 'V16' | 'V201' | 'V21';
  /** The schema bundle in the pinned source package. */
  bundle: string;
}

export const versions: readonly VersionInfo[] = [
  { key: 'v16', subprotocol: 'ocpp1.6', prefix: 'V16', bundle: 'ocpp1_6.json' },
  { key: 'v201', subprotocol: 'ocpp2.0.1', prefix: 'V201', bundle: 'ocpp2_0_1.json' },
  { key: 'v21', subprotocol: 'ocpp2.1', prefix: 'V21', bundle: 'ocpp2_1.json' },
];

/** Which message of an action a schema describes. 2.1's SEND messages have only a request. */
export type SchemaRole = 'request' | 'response';
