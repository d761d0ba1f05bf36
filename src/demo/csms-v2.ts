/**
 * The answers the demo CSMS gives in OCPP 2.0.1 and 2.1, where the two versions share a message. Each
 * answer is a plain object that fits both versions' response types.
 */
import type { DemoStore } from './store.ts';

interface IdTokenLike {
  idToken: string;
}

interface TransactionEventLike {
  eventType: string;
  timestamp: string;
  transactionInfo: { transactionId: string };
  idToken?: IdTokenLike;
  meterValue?: { timestamp: string; sampledValue: unknown[] }[];
}

export function v2Answers(store: DemoStore) {
  const idTokenInfo = (token: IdTokenLike) => ({
    status: store.isAuthorized(token.idToken) ? ('Accepted' as const) : ('Invalid' as const),
  });
  const empty = () => ({});
  return {
    empty,
    boot: () => ({
      currentTime: new Date().toISOString(),
      interval: store.settings.heartbeatInterval,
      status: 'Accepted' as const,
    }),
    heartbeat: () => ({ currentTime: new Date().toISOString() }),
    authorize: ({ idToken }: { idToken: IdTokenLike }) => ({ idTokenInfo: idTokenInfo(idToken) }),
    transactionEvent(identity: string, event: TransactionEventLike) {
      const { transactionId } = event.transactionInfo;
      store.recordTransaction(identity, transactionId, event.eventType, event.timestamp, event.idToken?.idToken);
      if (event.meterValue) store.keepMeterValues(identity, transactionId, event.meterValue);
      return event.idToken ? { idTokenInfo: idTokenInfo(event.idToken) } : {};
    },
    meterValues(identity: string, { meterValue }: { meterValue: { timestamp: string; sampledValue: unknown[] }[] }) {
      store.keepMeterValues(identity, undefined, meterValue);
      return {};
    },
    /** The demo knows no vendor extensions. */
    dataTransfer: () => ({ status: 'UnknownVendorId' as const }),
    /** The demo has no certificate authority, no ISO 15118 PKI and no OCSP responder. */
    signCertificate: () => ({
      status: 'Rejected' as const,
      // reasonCode is at most 20 characters, from the specification's list of reason codes
      statusInfo: { reasonCode: 'UnsupportedRequest', additionalInfo: 'The demo CSMS has no certificate authority' },
    }),
    get15118EVCertificate: () => ({ status: 'Failed' as const, exiResponse: '' }),
    getCertificateStatus: () => ({ status: 'Failed' as const }),
    /** Charging needs and schedules are taken note of; the demo does no smart charging. */
    notifyEVChargingNeeds: () => ({ status: 'Accepted' as const }),
    notifyEVChargingSchedule: () => ({ status: 'Accepted' as const }),
  };
}
