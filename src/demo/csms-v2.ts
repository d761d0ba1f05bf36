/**
 * The answers the demo CSMS gives in OCPP 2.0.1 and 2.1 to every message the two versions share, written once:
 * `sharedV2Handlers(store)` is spread into either version's object of handlers. Each handler takes either
 * version's request and answers with a plain object that fits both versions' response types; each version's
 * object is typed by its own handler interface, so the compiler checks the answers against both.
 */

import type { ChargePointToCsms as V21Calls } from '../v21/index.ts';
import type { HandlerContext, ChargePointToCsms as V201Calls } from '../v201/index.ts';
import { empty, now } from './answers.ts';
import type { DemoStore } from './store.ts';

/** The messages a charge point sends to the CSMS in both 2.0.1 and 2.1. */
export type SharedV2Action = keyof V201Calls & keyof V21Calls;

/** The demo's handler of each shared message: either version's request in, a response of both versions out. */
export type SharedV2Handlers = {
  [A in SharedV2Action as `on${A}`]: (
    request: V201Calls[A]['request'] | V21Calls[A]['request'],
    context: HandlerContext,
  ) => V201Calls[A]['response'] & V21Calls[A]['response'];
};

/** The demo's handlers of every message 2.0.1 and 2.1 share, writing to `store`. */
export function sharedV2Handlers(store: DemoStore): SharedV2Handlers {
  const idTokenInfo = (idToken: string) => ({
    status: store.isAuthorized(idToken) ? ('Accepted' as const) : ('Invalid' as const),
  });
  return {
    onBootNotification() {
      return { currentTime: now(), interval: store.settings.heartbeatInterval, status: 'Accepted' };
    },
    onHeartbeat() {
      return { currentTime: now() };
    },
    onAuthorize({ idToken }) {
      return { idTokenInfo: idTokenInfo(idToken.idToken) };
    },
    onTransactionEvent({ eventType, timestamp, transactionInfo, idToken, meterValue }, { identity }) {
      const { transactionId } = transactionInfo;
      store.recordTransaction(identity, transactionId, eventType, timestamp, idToken?.idToken);
      if (meterValue) store.keepMeterValues(identity, transactionId, meterValue);
      return idToken ? { idTokenInfo: idTokenInfo(idToken.idToken) } : {};
    },
    onMeterValues({ meterValue }, { identity }) {
      store.keepMeterValues(identity, undefined, meterValue);
      return {};
    },
    /** The demo knows no vendor extensions. */
    onDataTransfer() {
      return { status: 'UnknownVendorId' };
    },
    /** The demo has no certificate authority, no ISO 15118 PKI and no OCSP responder. */
    onSignCertificate() {
      return {
        status: 'Rejected',
        // reasonCode is at most 20 characters, from the specification's list of reason codes
        statusInfo: { reasonCode: 'UnsupportedRequest', additionalInfo: 'The demo CSMS has no certificate authority' },
      };
    },
    onGet15118EVCertificate() {
      return { status: 'Failed', exiResponse: '' };
    },
    onGetCertificateStatus() {
      return { status: 'Failed' };
    },
    /** Charging needs and schedules are taken note of; the demo does no smart charging. */
    onNotifyEVChargingNeeds() {
      return { status: 'Accepted' };
    },
    onNotifyEVChargingSchedule() {
      return { status: 'Accepted' };
    },
    onStatusNotification: empty,
    onClearedChargingLimit: empty,
    onFirmwareStatusNotification: empty,
    onLogStatusNotification: empty,
    onNotifyChargingLimit: empty,
    onNotifyCustomerInformation: empty,
    onNotifyDisplayMessages: empty,
    onNotifyEvent: empty,
    onNotifyMonitoringReport: empty,
    onNotifyReport: empty,
    onPublishFirmwareStatusNotification: empty,
    onReportChargingProfiles: empty,
    onReservationStatusUpdate: empty,
    onSecurityEventNotification: empty,
  };
}
