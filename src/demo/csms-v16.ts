/** The demo CSMS for OCPP 1.6: a sensible answer to every message a 1.6 charge point sends. */

import type { ChargePointClass } from '../server.ts';
import {
  AuthorizationStatus,
  type AuthorizeRequest,
  ChargePoint,
  DataTransferStatus,
  GenericStatusEnumType,
  type IdTagInfo,
  type MeterValuesRequest,
  RegistrationStatus,
  type StartTransactionRequest,
  type StopTransactionRequest,
  type V16Handlers,
} from '../v16/index.ts';
import type { DemoStore } from './store.ts';

export function createV16DemoChargePoint(store: DemoStore): ChargePointClass<ChargePoint> {
  const idTagInfo = (idTag: string): IdTagInfo => ({
    status: store.isAuthorized(idTag) ? AuthorizationStatus.Accepted : AuthorizationStatus.Invalid,
  });
  const now = () => new Date().toISOString();

  return class DemoChargePointV16 extends ChargePoint implements Required<V16Handlers> {
    onBootNotification() {
      return { currentTime: now(), interval: store.settings.heartbeatInterval, status: RegistrationStatus.Accepted };
    }
    onHeartbeat() {
      return { currentTime: now() };
    }
    onAuthorize({ idTag }: AuthorizeRequest) {
      return { idTagInfo: idTagInfo(idTag) };
    }
    onStartTransaction({ idTag, timestamp }: StartTransactionRequest) {
      return { idTagInfo: idTagInfo(idTag), transactionId: store.startTransaction(this.identity, idTag, timestamp) };
    }
    onStopTransaction({ idTag, transactionId, timestamp }: StopTransactionRequest) {
      store.endTransaction(String(transactionId), timestamp);
      return idTag === undefined ? {} : { idTagInfo: idTagInfo(idTag) };
    }
    onMeterValues({ transactionId, meterValue }: MeterValuesRequest) {
      store.keepMeterValues(this.identity, transactionId === undefined ? undefined : String(transactionId), meterValue);
      return {};
    }
    onStatusNotification() {
      return {};
    }
    onDataTransfer() {
      // The demo knows no vendor extensions.
      return { status: DataTransferStatus.UnknownVendorId };
    }
    onDiagnosticsStatusNotification() {
      return {};
    }
    onFirmwareStatusNotification() {
      return {};
    }
    onLogStatusNotification() {
      return {};
    }
    onSecurityEventNotification() {
      return {};
    }
    onSignedFirmwareStatusNotification() {
      return {};
    }
    onSignCertificate() {
      // The demo has no certificate authority to sign with.
      return { status: GenericStatusEnumType.Rejected };
    }
  };
}
