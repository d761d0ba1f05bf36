/** The OCPP 1.6 virtual charge point: the messages it sends, and its own answers to the CSMS. */
import * as v16 from '../../v16/index.ts';
import type { Run } from './run.ts';
import {
  CONNECTORS,
  now,
  runTransaction,
  type Setting,
  type Station,
  stationBase,
  type Transaction,
} from './station.ts';

/** What the 1.6 station sends. */
export const V16_SENDS: readonly string[] = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
];

function v16Configuration(): Map<string, Setting> {
  return new Map([
    ['HeartbeatInterval', { value: '300', readonly: false }],
    ['MeterValueSampleInterval', { value: '60', readonly: false }],
    ['MeterValuesSampledData', { value: 'Energy.Active.Import.Register', readonly: false }],
    ['NumberOfConnectors', { value: String(CONNECTORS.length), readonly: true }],
    ['AuthorizeRemoteTxRequests', { value: 'false', readonly: false }],
    ['TransactionMessageAttempts', { value: '3', readonly: false }],
    ['TransactionMessageRetryInterval', { value: '60', readonly: false }],
    ['WebSocketPingInterval', { value: '30', readonly: false }],
    ['ChargeProfileMaxStackLevel', { value: '8', readonly: true }],
  ]);
}

class Station16 extends stationBase(v16.Client) implements Station, v16.V16ChargePointHandlers {
  readonly transactionActions = ['StartTransaction', 'StopTransaction'];
  readonly triggerable = ['BootNotification', 'Heartbeat', 'StatusNotification', 'MeterValues'];
  readonly configuration = v16Configuration();

  constructor(
    readonly run: Run,
    options: v16.ClientOptions,
  ) {
    super(options);
  }

  async boot() {
    const response = await this.run.timed('BootNotification', () =>
      this.call('BootNotification', {
        chargePointVendor: 'ocppkit',
        chargePointModel: 'Simulator',
        chargePointSerialNumber: this.identity,
        firmwareVersion: '1.0.0',
      }),
    );
    return this.registered(response);
  }

  status(connector: number, busy: boolean) {
    return this.run.timed('StatusNotification', () =>
      this.call('StatusNotification', {
        connectorId: connector,
        errorCode: 'NoError',
        status: busy ? 'Charging' : 'Available',
        timestamp: now(),
      }),
    );
  }

  authorize(idTag: string) {
    return this.run.timed('Authorize', () => this.call('Authorize', { idTag }));
  }

  newTransactionId(): string {
    return '';
  }

  async startTransaction(transaction: Transaction): Promise<boolean> {
    const { connector, idTag } = transaction;
    const response = await this.run.timed('StartTransaction', () =>
      this.call('StartTransaction', { connectorId: connector, idTag, meterStart: 0, timestamp: now() }),
    );
    if (response === undefined) return false;
    transaction.numericId = response.transactionId;
    transaction.id = String(response.transactionId);
    return true;
  }

  meterValues(transaction: Transaction) {
    return this.run.timed('MeterValues', () =>
      this.call('MeterValues', {
        connectorId: transaction.connector,
        transactionId: transaction.numericId,
        meterValue: [
          {
            timestamp: now(),
            sampledValue: [
              { value: String(transaction.energy), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            ],
          },
        ],
      }),
    );
  }

  triggeredMeterValues(connectorId: number | undefined) {
    const transaction = this.connectors.find((t) => t !== undefined);
    return this.run.timed('MeterValues', () =>
      this.call('MeterValues', {
        connectorId: connectorId ?? transaction?.connector ?? 0,
        ...(transaction === undefined ? {} : { transactionId: transaction.numericId }),
        meterValue: [
          {
            timestamp: now(),
            sampledValue: [{ value: String(transaction?.energy ?? 0), context: 'Trigger', unit: 'Wh' }],
          },
        ],
      }),
    );
  }

  stopTransaction(transaction: Transaction) {
    return this.run.timed('StopTransaction', () =>
      this.call('StopTransaction', {
        transactionId: transaction.numericId,
        idTag: transaction.idTag,
        meterStop: transaction.energy,
        timestamp: now(),
        reason: transaction.stopRequested ? 'Remote' : 'Local',
      }),
    );
  }

  dataTransfer() {
    return this.run.timed('DataTransfer', () =>
      this.call('DataTransfer', { vendorId: 'ocppkit', messageId: 'Simulator', data: 'hello' }),
    );
  }

  // what the CSMS sends (the rest is answered by stationBase)

  @v16.on(v16.Action.RemoteStartTransaction)
  remoteStart({ connectorId }: v16.RemoteStartTransactionRequest) {
    this.run.stats.answer('RemoteStartTransaction');
    return { status: this.freeConnector(connectorId) === undefined ? ('Rejected' as const) : ('Accepted' as const) };
  }

  @v16.after(v16.Action.RemoteStartTransaction)
  afterRemoteStart(
    { connectorId, idTag }: v16.RemoteStartTransactionRequest,
    { response }: v16.AfterContext<v16.RemoteStartTransactionResponse>,
  ) {
    const connector = this.freeConnector(connectorId);
    if (response.status === 'Accepted' && connector !== undefined) {
      this.track(runTransaction(this, connector, idTag, true));
    }
  }

  @v16.on(v16.Action.RemoteStopTransaction)
  async remoteStop({ transactionId }: v16.RemoteStopTransactionRequest) {
    this.run.stats.answer('RemoteStopTransaction');
    // the CSMS may send this right behind its answer to our StartTransaction: let that answer be read first
    await Promise.all(this.connectors.map((t) => t?.started));
    return this.requestStop((t) => t.numericId === transactionId);
  }

  @v16.after(v16.Action.Reset)
  afterReset() {
    this.reboot();
  }

  onChangeConfiguration({ key, value }: v16.ChangeConfigurationRequest) {
    this.run.stats.answer('ChangeConfiguration');
    const entry = this.configuration.get(key);
    if (entry === undefined) return { status: 'NotSupported' as const };
    if (entry.readonly) return { status: 'Rejected' as const };
    entry.value = value;
    return { status: 'Accepted' as const };
  }

  onGetConfiguration({ key }: v16.GetConfigurationRequest) {
    this.run.stats.answer('GetConfiguration');
    const keys = key ?? [...this.configuration.keys()];
    const known = keys.filter((k) => this.configuration.has(k));
    const unknownKey = keys.filter((k) => !this.configuration.has(k));
    return {
      configurationKey: known.map((k) => {
        const entry = this.configuration.get(k) as Setting;
        return { key: k, readonly: entry.readonly, value: entry.value };
      }),
      ...(unknownKey.length > 0 ? { unknownKey } : {}),
    };
  }

  @v16.after(v16.Action.TriggerMessage)
  afterTrigger(
    { requestedMessage, connectorId }: v16.TriggerMessageRequest,
    { response }: v16.AfterContext<v16.TriggerMessageResponse>,
  ) {
    if (response.status === 'Accepted') this.track(this.sendTriggered(requestedMessage, connectorId));
  }
}

/** A 1.6 charge point. */
export function createStation16(run: Run, options: v16.ClientOptions): Station {
  return new Station16(run, options);
}
