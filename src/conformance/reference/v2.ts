/**
 * The reference charging station of OCPP 2.0.1 and 2.1: a `Client` that does what each 2.x charge-point case
 * asks, so the kit can be seen passing. One EVSE with one connector; variables, local list and reservations kept
 * in memory. The messages it sends have the same shape in both versions.
 */
import * as v21 from '../../v21/index.ts';
import * as v201 from '../../v201/index.ts';
import {
  afterAnswer,
  now,
  type ReferenceChargePoint,
  type ReferenceChargePointOptions,
  referenceClientOptions,
} from './shared.ts';

type Payload = Record<string, unknown>;
type ComponentVariable = { component: { name: string }; variable: { name: string } };

/** Starts a 2.x reference charging station; it connects, boots and reports EVSE 1 Available. */
export async function startReferenceChargePointV2(options: ReferenceChargePointOptions): Promise<ReferenceChargePoint> {
  const variables = new Map([
    ['OCPPCommCtrlr/HeartbeatInterval', '300'],
    ['ChargingStation/Model', 'reference'],
  ]);
  const reservations = new Set<number>();
  let versionNumber = 0;
  let transaction: { id: string; seqNo: number } | undefined;
  let seqNo = 0;
  let bootReason = 'PowerUp';
  let client: v201.Client | v21.Client;
  const call = (action: string, payload: object) =>
    (client.call as (a: string, p: object) => Promise<Payload>)(action, payload);
  const status = (connectorStatus: string) =>
    call('StatusNotification', { timestamp: now(), connectorStatus, evseId: 1, connectorId: 1 });
  const boot = async () => {
    await call('BootNotification', {
      reason: bootReason,
      chargingStation: { vendorName: 'ocppkit', model: 'reference' },
    });
    await status('Available');
  };
  const event = (eventType: string, triggerReason: string, info: object, extra: object = {}) => {
    const current = transaction as { id: string };
    return call('TransactionEvent', {
      eventType,
      timestamp: now(),
      triggerReason,
      seqNo: seqNo++,
      transactionInfo: { transactionId: current.id, ...info },
      evse: { id: 1, connectorId: 1 },
      ...extra,
    });
  };
  const meterValue = () => [
    {
      timestamp: now(),
      sampledValue: [{ value: 1000, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }],
    },
  ];
  const triggered: Record<string, () => Promise<unknown>> = {
    Heartbeat: () => call('Heartbeat', {}),
    StatusNotification: () => status('Available'),
    MeterValues: () => call('MeterValues', { evseId: 1, meterValue: meterValue() }),
    BootNotification: () =>
      call('BootNotification', { reason: 'Triggered', chargingStation: { vendorName: 'ocppkit', model: 'reference' } }),
    FirmwareStatusNotification: () => call('FirmwareStatusNotification', { status: 'Idle' }),
    LogStatusNotification: () => call('LogStatusNotification', { status: 'Idle' }),
  };
  const key = ({ component, variable }: ComponentVariable) => `${component.name}/${variable.name}`;
  const handlers = {
    onGetVariables({ getVariableData }: Payload) {
      return {
        getVariableResult: (getVariableData as ComponentVariable[]).map((d) => {
          const value = variables.get(key(d));
          if (value !== undefined)
            return { attributeStatus: 'Accepted', attributeValue: value, component: d.component, variable: d.variable };
          const known = [...variables.keys()].some((k) => k.startsWith(`${d.component.name}/`));
          return {
            attributeStatus: known ? 'UnknownVariable' : 'UnknownComponent',
            component: d.component,
            variable: d.variable,
          };
        }),
      };
    },
    onSetVariables({ setVariableData }: Payload) {
      return {
        setVariableResult: (setVariableData as (ComponentVariable & { attributeValue: string })[]).map((d) => {
          const known = variables.has(key(d));
          if (known) variables.set(key(d), d.attributeValue);
          return {
            attributeStatus: known ? 'Accepted' : 'UnknownVariable',
            component: d.component,
            variable: d.variable,
          };
        }),
      };
    },
    onGetBaseReport({ requestId }: Payload) {
      afterAnswer(async () => {
        const entries = [...variables.entries()];
        for (const [i, [name, value]] of entries.entries()) {
          const [component, variable] = name.split('/') as [string, string];
          await call('NotifyReport', {
            requestId,
            generatedAt: now(),
            seqNo: i,
            tbc: i < entries.length - 1,
            reportData: [
              { component: { name: component }, variable: { name: variable }, variableAttribute: [{ value }] },
            ],
          });
        }
      });
      return { status: 'Accepted' };
    },
    onReset() {
      bootReason = 'RemoteReset';
      afterAnswer(async () => {
        await client.endpoint?.close(1012, 'reset');
      });
      return { status: 'Accepted' };
    },
    onClearCache: () => ({ status: 'Accepted' }),
    onSendLocalList({ versionNumber: version }: Payload) {
      versionNumber = version as number;
      return { status: 'Accepted' };
    },
    onGetLocalListVersion: () => ({ versionNumber }),
    onGetTransactionStatus: () => ({ messagesInQueue: false }),
    onRequestStartTransaction({ idToken, remoteStartId }: Payload) {
      if (transaction !== undefined) return { status: 'Rejected' };
      transaction = { id: `ref-${Date.now()}-${remoteStartId as number}`, seqNo: 0 };
      afterAnswer(() => event('Started', 'RemoteStart', { remoteStartId, chargingState: 'Charging' }, { idToken }));
      return { status: 'Accepted', transactionId: transaction.id };
    },
    onRequestStopTransaction({ transactionId }: Payload) {
      if (transaction?.id !== transactionId) return { status: 'Rejected' };
      afterAnswer(async () => {
        await event('Ended', 'RemoteStop', { stoppedReason: 'Remote' });
        transaction = undefined;
      });
      return { status: 'Accepted' };
    },
    onTriggerMessage({ requestedMessage }: Payload) {
      const send = triggered[requestedMessage as string];
      if (send === undefined) return { status: 'NotImplemented' };
      afterAnswer(send);
      return { status: 'Accepted' };
    },
    onUnlockConnector: () => ({ status: 'Unlocked' }),
    onChangeAvailability({ operationalStatus, evse }: Payload) {
      if (evse !== undefined)
        afterAnswer(() => status(operationalStatus === 'Inoperative' ? 'Unavailable' : 'Available'));
      return { status: 'Accepted' };
    },
    onReserveNow({ id }: Payload) {
      reservations.add(id as number);
      return { status: 'Accepted' };
    },
    onCancelReservation({ reservationId }: Payload) {
      return { status: reservations.delete(reservationId as number) ? 'Accepted' : 'Rejected' };
    },
    onSetChargingProfile: () => ({ status: 'Accepted' }),
    onClearChargingProfile: () => ({ status: 'Accepted' }),
    onGetCompositeSchedule: () => ({ status: 'Rejected' }),
    onGetChargingProfiles: () => ({ status: 'NoProfiles' }),
    onUpdateFirmware({ requestId }: Payload) {
      afterAnswer(() => call('FirmwareStatusNotification', { status: 'Downloading', requestId }));
      return { status: 'Accepted' };
    },
    onGetInstalledCertificateIds: () => ({ status: 'NotFound' }),
    onGetLog({ requestId }: Payload) {
      afterAnswer(() => call('LogStatusNotification', { status: 'Uploading', requestId }));
      return { status: 'Accepted', filename: 'diagnostics.log' };
    },
    onGetDisplayMessages: () => ({ status: 'Unknown' }),
    onDataTransfer: () => ({ status: 'UnknownVendorId' }),
  };
  // the client's handlers are its own methods: a class of this station's own carries them
  const Reference = options.protocol === 'ocpp2.1' ? class extends v21.Client {} : class extends v201.Client {};
  Object.assign(Reference.prototype, handlers);
  client = new Reference(referenceClientOptions(options));
  client.events.on('open', () => afterAnswer(boot));
  await client.connect();
  return { stop: () => client.stop() };
}
