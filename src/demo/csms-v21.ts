/** The demo CSMS for OCPP 2.1: a sensible answer to every message a 2.1 charging station sends. */

import type { ChargePointClass } from '../server.ts';
import {
  type AuthorizeRequest,
  ChargePoint,
  ChargingProfileStatusEnumType,
  GenericStatusEnumType,
  type GetCertificateChainStatusRequest,
  type MeterValuesRequest,
  type NotifyPeriodicEventStreamRequest,
  type TransactionEventRequest,
  type V21Handlers,
  type VatNumberValidationRequest,
} from '../v21/index.ts';
import { v2Answers } from './csms-v2.ts';
import type { DemoStore } from './store.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export function createV21DemoChargePoint(store: DemoStore): ChargePointClass<ChargePoint> {
  const answer = v2Answers(store);
  return class DemoChargePointV21 extends ChargePoint implements Required<V21Handlers> {
    onAuthorize(request: AuthorizeRequest) {
      return answer.authorize(request);
    }
    onTransactionEvent(request: TransactionEventRequest) {
      return answer.transactionEvent(this.identity, request);
    }
    onMeterValues(request: MeterValuesRequest) {
      return answer.meterValues(this.identity, request);
    }
    onBootNotification() {
      return answer.boot();
    }
    onHeartbeat() {
      return answer.heartbeat();
    }
    onDataTransfer() {
      return answer.dataTransfer();
    }
    onSignCertificate() {
      return answer.signCertificate();
    }
    onGet15118EVCertificate() {
      return answer.get15118EVCertificate();
    }
    onGetCertificateStatus() {
      return answer.getCertificateStatus();
    }
    onNotifyEVChargingNeeds() {
      return answer.notifyEVChargingNeeds();
    }
    onNotifyEVChargingSchedule() {
      return answer.notifyEVChargingSchedule();
    }
    onStatusNotification() {
      return answer.empty();
    }
    onClearedChargingLimit() {
      return answer.empty();
    }
    onFirmwareStatusNotification() {
      return answer.empty();
    }
    onLogStatusNotification() {
      return answer.empty();
    }
    onNotifyChargingLimit() {
      return answer.empty();
    }
    onNotifyCustomerInformation() {
      return answer.empty();
    }
    onNotifyDisplayMessages() {
      return answer.empty();
    }
    onNotifyEvent() {
      return answer.empty();
    }
    onNotifyMonitoringReport() {
      return answer.empty();
    }
    onNotifyReport() {
      return answer.empty();
    }
    onPublishFirmwareStatusNotification() {
      return answer.empty();
    }
    onReportChargingProfiles() {
      return answer.empty();
    }
    onReservationStatusUpdate() {
      return answer.empty();
    }
    onSecurityEventNotification() {
      return answer.empty();
    }
    onBatterySwap() {
      return answer.empty();
    }
    onClosePeriodicEventStream() {
      return answer.empty();
    }
    onNotifyDERAlarm() {
      return answer.empty();
    }
    onNotifyDERStartStop() {
      return answer.empty();
    }
    onNotifyPriorityCharging() {
      return answer.empty();
    }
    onNotifySettlement() {
      return answer.empty();
    }
    onReportDERControl() {
      return answer.empty();
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
      store.periodicEventSamples += data.length;
    }
  };
}
