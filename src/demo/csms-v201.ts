/** The demo CSMS for OCPP 2.0.1: a sensible answer to every message a 2.0.1 charging station sends. */
import type { V201Handlers } from '../v201/index.ts';
import { sharedV2Handlers } from './csms-v2.ts';
import type { DemoStore } from './store.ts';

/**
 * The demo's 2.0.1 handlers, writing to `store`: made once per server, shared by its 2.0.1 connections. Every
 * message a 2.0.1 charging station sends is one 2.1 has too.
 */
export function v201Handlers(store: DemoStore): Required<V201Handlers> {
  return { ...sharedV2Handlers(store) };
}
