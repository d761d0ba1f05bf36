/**
 * The OCPP versions ocppkit generates, and how each one's official schemas are identified. A version is one entry
 * of this table plus its schemas and specification facts: codegen generates any entry (`generate` in main.ts).
 */
import type { Direction, Subprotocol } from '../src/protocol.ts';

/** The versions the package ships. */
export type VersionKey = 'v16' | 'v201' | 'v21';

/** What codegen needs to generate one version: a row of the versions table. */
export interface VersionEntry {
  /** The version's folder under `schemas/` and under the output folder (`generated/`). */
  key: string;
  /**
   * The WebSocket subprotocol, which is also the key in the spec-facts tables. One the runtime knows: a new one is
   * added to `Subprotocol` in src/protocol.ts first.
   */
  subprotocol: Subprotocol;
  /** Prefix of aggregate names (`V16Handlers`). */
  prefix: string;
  /**
   * Which side sends the request of each action. Default: the subprotocol's table in `codegen/data/directions.json`;
   * an entry that generates part of a version (a test's fixture) gives its own.
   */
  directions?: Readonly<Record<string, Direction>>;
}

/** A version the package ships: an entry of `versions`. */
export interface VersionInfo extends VersionEntry {
  key: VersionKey;
  subprotocol: 'ocpp1.6' | 'ocpp2.0.1' | 'ocpp2.1';
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
