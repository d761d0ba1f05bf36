/** The demo CSMS for OCPP 1.6: a sensible answer to every message a 1.6 charge point sends. */

import type { ServedContext } from '../server.ts';
import {
  AuthorizationStatus,
  type AuthorizeRequest,
  ChargePoint,
  DataTransferStatus,
  GenericStatusEnumType,
  type IdTagInfo,
  type MeterValuesRequest,
  type OcppConnection,
  RegistrationStatus,
  type StartTransactionRequest,
  type StopTransactionRequest,
  type V16Handlers,
} from '../v16/index.ts';
import type { DemoStore } from './store.ts';

const now = () => new Date().toISOString();

/** A 1.6 connection of the demo CSMS: the store it writes to comes through the constructor. */
export class DemoChargePointV16 extends ChargePoint implements Required<V16Handlers> {
  constructor(
    identity: string,
    connection: OcppConnection,
    readonly store: DemoStore,
    context?: ServedContext,
  ) {
    super(identity, connection, context);
  }

  #idTagInfo(idTag: string): IdTagInfo {
    return { status: this.store.isAuthorized(idTag) ? AuthorizationStatus.Accepted : AuthorizationStatus.Invalid };
  }

  onBootNotification() {
    return { currentTime: now(), interval: this.store.settings.heartbeatInterval, status: RegistrationStatus.Accepted };
  }
  onHeartbeat() {
    return { currentTime: now() };
  }
  onAuthorize({ idTag }: AuthorizeRequest) {
    return { idTagInfo: this.#idTagInfo(idTag) };
  }
  onStartTransaction({ idTag, timestamp }: StartTransactionRequest) {
    return {
      idTagInfo: this.#idTagInfo(idTag),
      transactionId: this.store.startTransaction(this.identity, idTag, timestamp),
    };
  }
  onStopTransaction({ idTag, transactionId, timestamp }: StopTransactionRequest) {
    this.store.endTransaction(String(transactionId), timestamp);
    return idTag === undefined ? {} : { idTagInfo: this.#idTagInfo(idTag) };
  }
  onMeterValues({ transactionId, meterValue }: MeterValuesRequest) {
    this.store.keepMeterValues(
      this.identity,
      transactionId === undefined ? undefined : String(transactionId),
      meterValue,
    );
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
}
