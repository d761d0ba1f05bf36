/**
 * The conformance kit in a test runner: every CSMS case of OCPP 1.6 and 2.0.1 runs against your own ChargePoint
 * classes, in memory, with no network. Each case is one test, so a failure shows its rules and frames.
 *
 * In a clone of the repository:
 *
 *   npx vitest run examples/conformance/my-csms.test.ts
 */
import { conformanceCases, inMemoryCsms, type RunResult, testCsms } from 'ocppkit/testing';
import * as v16 from 'ocppkit/v16';
import * as v201 from 'ocppkit/v201';
import { beforeAll, describe, expect, it } from 'vitest';

const now = () => new Date().toISOString();

/** Your 1.6 CSMS: here a small one that answers what a charge point sends. */
class MyCsms16 extends v16.ChargePoint implements v16.V16Handlers {
  #nextTransaction = 1;
  onBootNotification() {
    return { currentTime: now(), interval: 300, status: 'Accepted' as const };
  }
  onHeartbeat() {
    return { currentTime: now() };
  }
  onAuthorize() {
    return { idTagInfo: { status: 'Accepted' as const } };
  }
  onStartTransaction() {
    return { idTagInfo: { status: 'Accepted' as const }, transactionId: this.#nextTransaction++ };
  }
  onStopTransaction({ idTag }: v16.StopTransactionRequest) {
    return idTag === undefined ? {} : { idTagInfo: { status: 'Accepted' as const } };
  }
  onMeterValues() {
    return {};
  }
  onStatusNotification() {
    return {};
  }
  onDataTransfer() {
    return { status: 'UnknownVendorId' as const };
  }
  onFirmwareStatusNotification() {
    return {};
  }
  onDiagnosticsStatusNotification() {
    return {};
  }
  onSecurityEventNotification() {
    return {};
  }
  onSignCertificate() {
    return { status: 'Rejected' as const };
  }
  onLogStatusNotification() {
    return {};
  }
  onSignedFirmwareStatusNotification() {
    return {};
  }
}

/** Your 2.0.1 CSMS: the shared demo answers would do too; here only what the cases need. */
class MyCsms201 extends v201.ChargePoint implements v201.V201Handlers {
  onBootNotification() {
    return { currentTime: now(), interval: 300, status: 'Accepted' as const };
  }
  onHeartbeat() {
    return { currentTime: now() };
  }
  onAuthorize() {
    return { idTokenInfo: { status: 'Accepted' as const } };
  }
  onTransactionEvent({ idToken }: v201.TransactionEventRequest) {
    return idToken === undefined ? {} : { idTokenInfo: { status: 'Accepted' as const } };
  }
  onDataTransfer() {
    return { status: 'UnknownVendorId' as const };
  }
  onSignCertificate() {
    return { status: 'Rejected' as const };
  }
  onGet15118EVCertificate() {
    return { status: 'Failed' as const, exiResponse: '' };
  }
  onGetCertificateStatus() {
    return { status: 'Failed' as const };
  }
  onNotifyEVChargingNeeds() {
    return { status: 'Accepted' as const };
  }
  onNotifyEVChargingSchedule() {
    return { status: 'Accepted' as const };
  }
  // every notification is confirmed with an empty answer (methods: the router reads the class's methods)
  onStatusNotification() {
    return {};
  }
  onMeterValues() {
    return {};
  }
  onNotifyReport() {
    return {};
  }
  onNotifyEvent() {
    return {};
  }
  onNotifyChargingLimit() {
    return {};
  }
  onClearedChargingLimit() {
    return {};
  }
  onReportChargingProfiles() {
    return {};
  }
  onFirmwareStatusNotification() {
    return {};
  }
  onPublishFirmwareStatusNotification() {
    return {};
  }
  onSecurityEventNotification() {
    return {};
  }
  onLogStatusNotification() {
    return {};
  }
  onNotifyMonitoringReport() {
    return {};
  }
  onNotifyCustomerInformation() {
    return {};
  }
  onNotifyDisplayMessages() {
    return {};
  }
  onReservationStatusUpdate() {
    return {};
  }
}

const suites = [
  {
    protocol: 'ocpp1.6',
    serve: (identity: string, connection: v16.OcppConnection) => new MyCsms16(identity, connection),
  },
  {
    protocol: 'ocpp2.0.1',
    serve: (identity: string, connection: v16.OcppConnection) => new MyCsms201(identity, connection),
  },
] as const;

for (const { protocol, serve } of suites) {
  describe(`my CSMS, ${protocol} conformance`, () => {
    let run: RunResult;
    beforeAll(async () => {
      run = await testCsms({ protocol, connect: inMemoryCsms(serve), timeout: 2000 });
    });
    it.each(conformanceCases('csms', protocol).map((c) => [c.id, c.title]))('%s %s', (id) => {
      const result = run.results.find((r) => r.id === id);
      expect(result?.problems ?? []).toEqual([]);
      expect(result?.verdict).toBe('passed');
    });
  });
}
