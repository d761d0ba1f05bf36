/** The demo CSMS for OCPP 2.0.1: a sensible answer to every message a 2.0.1 charging station sends. */

import type { ChargePointClass } from '../server.ts';
import {
  type AuthorizeRequest,
  ChargePoint,
  type MeterValuesRequest,
  type TransactionEventRequest,
  type V201Handlers,
} from '../v201/index.ts';
import { v2Answers } from './csms-v2.ts';
import type { DemoStore } from './store.ts';

export function createV201DemoChargePoint(store: DemoStore): ChargePointClass<ChargePoint> {
  const answer = v2Answers(store);
  return class DemoChargePointV201 extends ChargePoint implements Required<V201Handlers> {
    onBootNotification() {
      return answer.boot();
    }
    onHeartbeat() {
      return answer.heartbeat();
    }
    onAuthorize(request: AuthorizeRequest) {
      return answer.authorize(request);
    }
    onTransactionEvent(request: TransactionEventRequest) {
      return answer.transactionEvent(this.identity, request);
    }
    onMeterValues(request: MeterValuesRequest) {
      return answer.meterValues(this.identity, request);
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
  };
}
