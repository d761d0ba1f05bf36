/** The demo CSMS for OCPP 1.6: a sensible answer to every message a 1.6 charge point sends. */

import {
  AuthorizationStatus,
  DataTransferStatus,
  GenericStatusEnumType,
  type IdTagInfo,
  RegistrationStatus,
  type V16Handlers,
} from '../v16/index.ts';
import { empty, now } from './answers.ts';
import type { DemoStore } from './store.ts';

/** The demo's 1.6 handlers, writing to `store`: made once per server, shared by its 1.6 connections. */
export function v16Handlers(store: DemoStore): Required<V16Handlers> {
  const idTagInfo = (idTag: string): IdTagInfo => ({
    status: store.isAuthorized(idTag) ? AuthorizationStatus.Accepted : AuthorizationStatus.Invalid,
  });
  return {
    onBootNotification() {
      return { currentTime: now(), interval: store.settings.heartbeatInterval, status: RegistrationStatus.Accepted };
    },
    onHeartbeat() {
      return { currentTime: now() };
    },
    onAuthorize({ idTag }) {
      return { idTagInfo: idTagInfo(idTag) };
    },
    onStartTransaction({ idTag, timestamp }, { identity }) {
      return { idTagInfo: idTagInfo(idTag), transactionId: store.startTransaction(identity, idTag, timestamp) };
    },
    onStopTransaction({ idTag, transactionId, timestamp }) {
      store.endTransaction(String(transactionId), timestamp);
      return idTag === undefined ? {} : { idTagInfo: idTagInfo(idTag) };
    },
    onMeterValues({ transactionId, meterValue }, { identity }) {
      store.keepMeterValues(identity, transactionId === undefined ? undefined : String(transactionId), meterValue);
      return {};
    },
    onDataTransfer() {
      // The demo knows no vendor extensions.
      return { status: DataTransferStatus.UnknownVendorId };
    },
    onSignCertificate() {
      // The demo has no certificate authority to sign with.
      return { status: GenericStatusEnumType.Rejected };
    },
    onStatusNotification: empty,
    onDiagnosticsStatusNotification: empty,
    onFirmwareStatusNotification: empty,
    onLogStatusNotification: empty,
    onSecurityEventNotification: empty,
    onSignedFirmwareStatusNotification: empty,
  };
}
