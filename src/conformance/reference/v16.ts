/**
 * The reference charge point of OCPP 1.6: a `Client` that does what each 1.6 charge-point case asks, so the kit
 * can be seen passing. One connector; configuration, local list and reservations kept in memory.
 */
import { Client } from '../../v16/index.ts';
import {
  afterAnswer,
  now,
  type ReferenceChargePoint,
  type ReferenceChargePointOptions,
  referenceClientOptions,
} from './shared.ts';

type Payload = Record<string, unknown>;

/** Starts a 1.6 reference charge point; it connects, boots and reports connector 1 Available. */
export async function startReferenceChargePointV16(
  options: ReferenceChargePointOptions,
): Promise<ReferenceChargePoint> {
  const configuration = new Map([
    ['HeartbeatInterval', '300'],
    ['MeterValueSampleInterval', '60'],
  ]);
  const reservations = new Set<number>();
  let listVersion = 0;
  let transactionId: number | undefined;
  let starting: Promise<unknown> = Promise.resolve();
  let client: Client;
  const call = (action: string, payload: object) =>
    (client.call as (a: string, p: object) => Promise<Payload>)(action, payload);
  const status = (connectorId: number, value: string) =>
    call('StatusNotification', { connectorId, errorCode: 'NoError', status: value, timestamp: now() });
  const boot = async () => {
    await call('BootNotification', { chargePointVendor: 'ocppkit', chargePointModel: 'reference' });
    await status(1, 'Available');
  };
  const triggered: Record<string, (connectorId: number) => Promise<unknown>> = {
    Heartbeat: () => call('Heartbeat', {}),
    StatusNotification: (connectorId) => status(connectorId, 'Available'),
    MeterValues: (connectorId) =>
      call('MeterValues', {
        connectorId,
        meterValue: [{ timestamp: now(), sampledValue: [{ value: '1000', unit: 'Wh' }] }],
      }),
    FirmwareStatusNotification: () => call('FirmwareStatusNotification', { status: 'Idle' }),
    BootNotification: () => call('BootNotification', { chargePointVendor: 'ocppkit', chargePointModel: 'reference' }),
    DiagnosticsStatusNotification: () => call('DiagnosticsStatusNotification', { status: 'Idle' }),
  };
  const trigger = ({ requestedMessage, connectorId }: Payload) => {
    const send = triggered[requestedMessage as string];
    if (send === undefined) return { status: 'NotImplemented' };
    afterAnswer(() => send((connectorId as number | undefined) ?? 1));
    return { status: 'Accepted' };
  };
  const handlers = {
    onGetConfiguration({ key }: Payload) {
      const asked = (key as string[] | undefined) ?? [...configuration.keys()];
      return {
        configurationKey: asked
          .filter((k) => configuration.has(k))
          .map((k) => ({ key: k, readonly: false, value: configuration.get(k) })),
        unknownKey: asked.filter((k) => !configuration.has(k)),
      };
    },
    onChangeConfiguration({ key, value }: Payload) {
      if (!configuration.has(key as string)) return { status: 'NotSupported' };
      configuration.set(key as string, value as string);
      return { status: 'Accepted' };
    },
    onClearCache: () => ({ status: 'Accepted' }),
    onChangeAvailability({ connectorId, type }: Payload) {
      afterAnswer(() => status(connectorId as number, type === 'Inoperative' ? 'Unavailable' : 'Available'));
      return { status: 'Accepted' };
    },
    onRemoteStartTransaction({ connectorId, idTag }: Payload) {
      starting = new Promise((resolve) =>
        afterAnswer(async () => {
          try {
            const answer = await call('StartTransaction', {
              connectorId: (connectorId as number | undefined) ?? 1,
              idTag,
              meterStart: 0,
              timestamp: now(),
            });
            transactionId = answer.transactionId as number;
          } finally {
            resolve(undefined);
          }
        }),
      );
      return { status: 'Accepted' };
    },
    async onRemoteStopTransaction({ transactionId: id }: Payload) {
      await starting;
      if (id !== transactionId) return { status: 'Rejected' };
      transactionId = undefined;
      afterAnswer(() =>
        call('StopTransaction', { transactionId: id, meterStop: 100, timestamp: now(), reason: 'Remote' }),
      );
      return { status: 'Accepted' };
    },
    onUnlockConnector: () => ({ status: 'Unlocked' }),
    onDataTransfer: () => ({ status: 'UnknownVendorId' }),
    onReset() {
      afterAnswer(async () => {
        await client.endpoint?.close(1012, 'reset');
      });
      return { status: 'Accepted' };
    },
    onTriggerMessage: trigger,
    onExtendedTriggerMessage: trigger,
    onUpdateFirmware() {
      afterAnswer(() => call('FirmwareStatusNotification', { status: 'Downloading' }));
      return {};
    },
    onGetDiagnostics() {
      afterAnswer(() => call('DiagnosticsStatusNotification', { status: 'Uploading' }));
      return { fileName: 'diagnostics.log' };
    },
    onSendLocalList({ listVersion: version }: Payload) {
      listVersion = version as number;
      return { status: 'Accepted' };
    },
    onGetLocalListVersion: () => ({ listVersion }),
    onReserveNow({ reservationId }: Payload) {
      reservations.add(reservationId as number);
      return { status: 'Accepted' };
    },
    onCancelReservation({ reservationId }: Payload) {
      return { status: reservations.delete(reservationId as number) ? 'Accepted' : 'Rejected' };
    },
    onSetChargingProfile: () => ({ status: 'Accepted' }),
    onClearChargingProfile: () => ({ status: 'Accepted' }),
    onGetCompositeSchedule: () => ({ status: 'Rejected' }),
    onGetLog({ requestId }: Payload) {
      afterAnswer(() => call('LogStatusNotification', { status: 'Uploading', requestId }));
      return { status: 'Accepted', filename: 'diagnostics.log' };
    },
    onGetInstalledCertificateIds: () => ({ status: 'NotFound' }),
    onDeleteCertificate: () => ({ status: 'NotFound' }),
    onInstallCertificate: () => ({ status: 'Rejected' }),
    onCertificateSigned: () => ({ status: 'Rejected' }),
    onSignedUpdateFirmware: () => ({ status: 'Rejected' }),
  };
  // the client's handlers are its own methods: a class of this charge point's own carries them
  class Reference extends Client {}
  Object.assign(Reference.prototype, handlers);
  client = new Reference(referenceClientOptions(options));
  client.events.on('open', () => afterAnswer(boot));
  await client.connect();
  return { stop: () => client.stop() };
}
