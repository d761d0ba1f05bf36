/** The demo CSMS for OCPP 2.1: a sensible answer to every message a 2.1 charging station sends. */

import type { ServedContext } from '../server.ts';
import {
  ChargePoint,
  ChargingProfileStatusEnumType,
  GenericStatusEnumType,
  type GetCertificateChainStatusRequest,
  type NotifyPeriodicEventStreamRequest,
  type OcppConnection,
  type V21Handlers,
  type VatNumberValidationRequest,
} from '../v21/index.ts';
import { empty, withV2Answers } from './csms-v2.ts';
import type { DemoStore } from './store.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A 2.1 connection of the demo CSMS: the store it writes to comes through the constructor. */
export class DemoChargePointV21 extends withV2Answers(ChargePoint) implements Required<V21Handlers> {
  constructor(
    identity: string,
    connection: OcppConnection,
    readonly store: DemoStore,
    context?: ServedContext,
  ) {
    super(identity, connection, context);
  }
  onBatterySwap() {
    return empty();
  }
  onClosePeriodicEventStream() {
    return empty();
  }
  onNotifyDERAlarm() {
    return empty();
  }
  onNotifyDERStartStop() {
    return empty();
  }
  onNotifyPriorityCharging() {
    return empty();
  }
  onNotifySettlement() {
    return empty();
  }
  onReportDERControl() {
    return empty();
  }
  /** The demo runs no OCSP checks: every certificate asked about is reported good for a day. */
  onGetCertificateChainStatus({ certificateStatusRequests }: GetCertificateChainStatusRequest) {
    const nextUpdate = new Date(Date.now() + DAY_MS).toISOString();
    return {
      certificateStatus: certificateStatusRequests.map(({ certificateHashData, source }) => ({
        certificateHashData,
        source,
        status: 'Good' as const,
        nextUpdate,
      })),
    };
  }
  onOpenPeriodicEventStream() {
    return { status: GenericStatusEnumType.Accepted };
  }
  /** The demo has no dynamic schedules to hand out. */
  onPullDynamicScheduleUpdate() {
    return { status: ChargingProfileStatusEnumType.Rejected };
  }
  /** The demo does not validate VAT numbers. */
  onVatNumberValidation({ vatNumber }: VatNumberValidationRequest) {
    return { vatNumber, status: GenericStatusEnumType.Rejected };
  }
  /** A SEND message: counted, never answered. */
  onNotifyPeriodicEventStream({ data }: NotifyPeriodicEventStreamRequest) {
    this.store.periodicEventSamples += data.length;
  }
}
