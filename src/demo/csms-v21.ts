/** The demo CSMS for OCPP 2.1: a sensible answer to every message a 2.1 charging station sends. */

import { ChargingProfileStatusEnumType, GenericStatusEnumType, type V21Handlers } from '../v21/index.ts';
import { empty } from './answers.ts';
import { sharedV2Handlers } from './csms-v2.ts';
import type { DemoStore } from './store.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The demo's 2.1 handlers, writing to `store`: made once per server, shared by its 2.1 connections. */
export function v21Handlers(store: DemoStore): Required<V21Handlers> {
  return {
    ...sharedV2Handlers(store),
    onBatterySwap: empty,
    onClosePeriodicEventStream: empty,
    onNotifyDERAlarm: empty,
    onNotifyDERStartStop: empty,
    onNotifyPriorityCharging: empty,
    onNotifySettlement: empty,
    onReportDERControl: empty,
    /** The demo runs no OCSP checks: every certificate asked about is reported good for a day. */
    onGetCertificateChainStatus({ certificateStatusRequests }) {
      const nextUpdate = new Date(Date.now() + DAY_MS).toISOString();
      return {
        certificateStatus: certificateStatusRequests.map(({ certificateHashData, source }) => ({
          certificateHashData,
          source,
          status: 'Good' as const,
          nextUpdate,
        })),
      };
    },
    onOpenPeriodicEventStream() {
      return { status: GenericStatusEnumType.Accepted };
    },
    /** The demo has no dynamic schedules to hand out. */
    onPullDynamicScheduleUpdate() {
      return { status: ChargingProfileStatusEnumType.Rejected };
    },
    /** The demo does not validate VAT numbers. */
    onVatNumberValidation({ vatNumber }) {
      return { vatNumber, status: GenericStatusEnumType.Rejected };
    },
    /** A SEND message: counted, never answered. */
    onNotifyPeriodicEventStream({ data }) {
      store.periodicEventSamples += data.length;
    },
  };
}
