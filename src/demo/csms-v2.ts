/**
 * The answers the demo CSMS gives in OCPP 2.0.1 and 2.1, where the two versions share a message: `withV2Answers`
 * adds the handlers of every message the two versions share to either version's `ChargePoint`, once. Each answer
 * is a plain object that fits both versions' response types (each class `implements` its version's handlers, so
 * the compiler checks them against both).
 */
import type { DemoStore } from './store.ts';

export interface IdTokenLike {
  idToken: string;
}

export interface TransactionEventLike {
  eventType: string;
  timestamp: string;
  transactionInfo: { transactionId: string };
  idToken?: IdTokenLike;
  meterValue?: { timestamp: string; sampledValue: unknown[] }[];
}

function idTokenInfo(store: DemoStore, token: IdTokenLike) {
  return { status: store.isAuthorized(token.idToken) ? ('Accepted' as const) : ('Invalid' as const) };
}

/** An empty response, for the notifications the demo only takes note of. */
export const empty = () => ({});

export const boot = (store: DemoStore) => ({
  currentTime: new Date().toISOString(),
  interval: store.settings.heartbeatInterval,
  status: 'Accepted' as const,
});

export const heartbeat = () => ({ currentTime: new Date().toISOString() });

export const authorize = (store: DemoStore, { idToken }: { idToken: IdTokenLike }) => ({
  idTokenInfo: idTokenInfo(store, idToken),
});

export function transactionEvent(store: DemoStore, identity: string, event: TransactionEventLike) {
  const { transactionId } = event.transactionInfo;
  store.recordTransaction(identity, transactionId, event.eventType, event.timestamp, event.idToken?.idToken);
  if (event.meterValue) store.keepMeterValues(identity, transactionId, event.meterValue);
  return event.idToken ? { idTokenInfo: idTokenInfo(store, event.idToken) } : {};
}

export interface MeterValuesLike {
  meterValue: { timestamp: string; sampledValue: unknown[] }[];
}

export function meterValues(store: DemoStore, identity: string, { meterValue }: MeterValuesLike) {
  store.keepMeterValues(identity, undefined, meterValue);
  return {};
}

/** The demo knows no vendor extensions. */
export const dataTransfer = () => ({ status: 'UnknownVendorId' as const });

/** The demo has no certificate authority, no ISO 15118 PKI and no OCSP responder. */
export const signCertificate = () => ({
  status: 'Rejected' as const,
  // reasonCode is at most 20 characters, from the specification's list of reason codes
  statusInfo: { reasonCode: 'UnsupportedRequest', additionalInfo: 'The demo CSMS has no certificate authority' },
});
export const get15118EVCertificate = () => ({ status: 'Failed' as const, exiResponse: '' });
export const getCertificateStatus = () => ({ status: 'Failed' as const });

/** Charging needs and schedules are taken note of; the demo does no smart charging. */
export const notifyEVChargingNeeds = () => ({ status: 'Accepted' as const });
export const notifyEVChargingSchedule = () => ({ status: 'Accepted' as const });

/** A version's `ChargePoint` class, as a mixin takes it. */
// biome-ignore lint/suspicious/noExplicitAny: TypeScript's mixin pattern requires a constructor of any[] arguments
type ChargePointClass = abstract new (...args: any[]) => { readonly identity: string };

/** `Base` (2.0.1's or 2.1's `ChargePoint`) with the demo's handlers of every message 2.0.1 and 2.1 share. */
export function withV2Answers<B extends ChargePointClass>(Base: B) {
  abstract class V2Answers extends Base {
    /** The demo's store, given to the constructor of the version's class. */
    abstract readonly store: DemoStore;

    onBootNotification() {
      return boot(this.store);
    }
    onHeartbeat() {
      return heartbeat();
    }
    onAuthorize(request: { idToken: IdTokenLike }) {
      return authorize(this.store, request);
    }
    onTransactionEvent(request: TransactionEventLike) {
      return transactionEvent(this.store, this.identity, request);
    }
    onMeterValues(request: MeterValuesLike) {
      return meterValues(this.store, this.identity, request);
    }
    onDataTransfer() {
      return dataTransfer();
    }
    onSignCertificate() {
      return signCertificate();
    }
    onGet15118EVCertificate() {
      return get15118EVCertificate();
    }
    onGetCertificateStatus() {
      return getCertificateStatus();
    }
    onNotifyEVChargingNeeds() {
      return notifyEVChargingNeeds();
    }
    onNotifyEVChargingSchedule() {
      return notifyEVChargingSchedule();
    }
    onStatusNotification() {
      return empty();
    }
    onClearedChargingLimit() {
      return empty();
    }
    onFirmwareStatusNotification() {
      return empty();
    }
    onLogStatusNotification() {
      return empty();
    }
    onNotifyChargingLimit() {
      return empty();
    }
    onNotifyCustomerInformation() {
      return empty();
    }
    onNotifyDisplayMessages() {
      return empty();
    }
    onNotifyEvent() {
      return empty();
    }
    onNotifyMonitoringReport() {
      return empty();
    }
    onNotifyReport() {
      return empty();
    }
    onPublishFirmwareStatusNotification() {
      return empty();
    }
    onReportChargingProfiles() {
      return empty();
    }
    onReservationStatusUpdate() {
      return empty();
    }
    onSecurityEventNotification() {
      return empty();
    }
  }
  return V2Answers;
}
