/**
 * The OCPP 2.0.1 and 2.1 virtual charging station. The messages it sends and answers have the same shape in both
 * versions, so one class body serves both: typed against 2.0.1, run on each version's own client class (which
 * validates against that version's schemas).
 */
import * as v21 from '../../v21/index.ts';
import * as v201 from '../../v201/index.ts';
import type { Run } from './run.ts';
import { now, runTransaction, type Setting, type Station, stationBase, type Transaction } from './station.ts';

/** What the 2.x station sends. */
export const V2_SENDS: readonly string[] = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'Heartbeat',
  'StatusNotification',
  'TransactionEvent',
];

function v2Variables(identity: string): Map<string, Setting> {
  return new Map([
    ['OCPPCommCtrlr/HeartbeatInterval', { value: '300', readonly: false }],
    ['OCPPCommCtrlr/WebSocketPingInterval', { value: '30', readonly: false }],
    ['OCPPCommCtrlr/MessageAttempts', { value: '3', readonly: false }],
    ['OCPPCommCtrlr/MessageAttemptInterval', { value: '60', readonly: false }],
    ['OCPPCommCtrlr/RetryBackOffWaitMinimum', { value: '1', readonly: false }],
    ['OCPPCommCtrlr/RetryBackOffRandomRange', { value: '1', readonly: false }],
    ['OCPPCommCtrlr/RetryBackOffRepeatTimes', { value: '3', readonly: false }],
    ['SampledDataCtrlr/TxUpdatedInterval', { value: '60', readonly: false }],
    ['AuthCtrlr/AuthorizeRemoteStart', { value: 'false', readonly: false }],
    ['ChargingStation/Model', { value: 'Simulator', readonly: true }],
    ['ChargingStation/SerialNumber', { value: identity, readonly: true }],
  ]);
}

type MeterContext = 'Transaction.Begin' | 'Sample.Periodic' | 'Transaction.End' | 'Trigger';

function meterValue(transaction: Transaction, context: MeterContext) {
  return [
    {
      timestamp: now(),
      sampledValue: [
        {
          value: transaction.energy,
          context,
          measurand: 'Energy.Active.Import.Register' as const,
          unitOfMeasure: { unit: 'Wh' },
        },
      ],
    },
  ];
}

function v2Station(Base: typeof v201.Client) {
  return class Station2 extends stationBase(Base) implements Station, v201.V201ChargePointHandlers {
    readonly transactionActions = ['TransactionEvent'];
    readonly triggerable = ['BootNotification', 'Heartbeat', 'StatusNotification', 'TransactionEvent'];
    readonly variables = v2Variables(this.identity);
    #transactions = 0;

    constructor(
      readonly run: Run,
      options: v201.ClientOptions,
    ) {
      super(options);
    }

    async boot() {
      const response = await this.run.timed('BootNotification', () =>
        this.call('BootNotification', {
          reason: 'PowerUp',
          chargingStation: {
            vendorName: 'ocppkit',
            model: 'Simulator',
            serialNumber: this.identity,
            firmwareVersion: '1.0.0',
          },
        }),
      );
      return this.registered(response);
    }

    status(connector: number, busy: boolean) {
      return this.run.timed('StatusNotification', () =>
        this.call('StatusNotification', {
          timestamp: now(),
          connectorStatus: busy ? 'Occupied' : 'Available',
          evseId: connector,
          connectorId: 1,
        }),
      );
    }

    authorize(idTag: string) {
      return this.run.timed('Authorize', () =>
        this.call('Authorize', { idToken: { idToken: idTag, type: 'ISO14443' } }),
      );
    }

    newTransactionId(): string {
      return `${this.identity}-${++this.#transactions}`;
    }

    async startTransaction(transaction: Transaction): Promise<boolean> {
      const { id, connector, idTag, remote, remoteStartId } = transaction;
      const response = await this.run.timed('TransactionEvent', () =>
        this.call('TransactionEvent', {
          eventType: 'Started',
          timestamp: now(),
          triggerReason: remote ? 'RemoteStart' : 'Authorized',
          seqNo: transaction.seqNo++,
          transactionInfo: {
            transactionId: id,
            chargingState: 'Charging',
            ...(remoteStartId === undefined ? {} : { remoteStartId }),
          },
          evse: { id: connector, connectorId: 1 },
          idToken: { idToken: idTag, type: 'ISO14443' },
          meterValue: meterValue(transaction, 'Transaction.Begin'),
        }),
      );
      return response !== undefined;
    }

    meterValues(transaction: Transaction, trigger = false) {
      return this.run.timed('TransactionEvent', () =>
        this.call('TransactionEvent', {
          eventType: 'Updated',
          timestamp: now(),
          triggerReason: trigger ? 'Trigger' : 'MeterValuePeriodic',
          seqNo: transaction.seqNo++,
          transactionInfo: { transactionId: transaction.id, chargingState: 'Charging' },
          meterValue: meterValue(transaction, trigger ? 'Trigger' : 'Sample.Periodic'),
        }),
      );
    }

    async triggeredMeterValues() {
      for (const transaction of this.connectors)
        if (transaction !== undefined) await this.meterValues(transaction, true);
    }

    stopTransaction(transaction: Transaction) {
      return this.run.timed('TransactionEvent', () =>
        this.call('TransactionEvent', {
          eventType: 'Ended',
          timestamp: now(),
          triggerReason: transaction.stopRequested ? 'RemoteStop' : 'StopAuthorized',
          seqNo: transaction.seqNo++,
          transactionInfo: {
            transactionId: transaction.id,
            chargingState: 'Idle',
            stoppedReason: transaction.stopRequested ? 'Remote' : 'Local',
          },
          meterValue: meterValue(transaction, 'Transaction.End'),
        }),
      );
    }

    dataTransfer() {
      return this.run.timed('DataTransfer', () =>
        this.call('DataTransfer', { vendorId: 'ocppkit', messageId: 'Simulator', data: { hello: 'world' } }),
      );
    }

    // what the CSMS sends (the rest is answered by stationBase)

    @v201.on(v201.Action.RequestStartTransaction)
    requestStart({ evseId }: v201.RequestStartTransactionRequest) {
      this.run.stats.answer('RequestStartTransaction');
      if (this.freeConnector(evseId) === undefined) return { status: 'Rejected' as const };
      return { status: 'Accepted' as const, transactionId: this.newTransactionId() };
    }

    @v201.after(v201.Action.RequestStartTransaction)
    afterRequestStart(
      { evseId, idToken, remoteStartId }: v201.RequestStartTransactionRequest,
      { response }: v201.AfterContext<v201.RequestStartTransactionResponse>,
    ) {
      const connector = this.freeConnector(evseId);
      if (response.status !== 'Accepted' || connector === undefined || response.transactionId === undefined) return;
      this.track(runTransaction(this, connector, idToken.idToken, true, remoteStartId, response.transactionId));
    }

    @v201.on(v201.Action.RequestStopTransaction)
    requestStopTransaction({ transactionId }: v201.RequestStopTransactionRequest) {
      this.run.stats.answer('RequestStopTransaction');
      return this.requestStop((t) => t.id === transactionId);
    }

    @v201.after(v201.Action.Reset)
    afterReset() {
      this.reboot();
    }

    /** How an unknown component/variable pair is answered. */
    unknownStatus(component: string) {
      const known = [...this.variables.keys()].some((k) => k.startsWith(`${component}/`));
      return known ? ('UnknownVariable' as const) : ('UnknownComponent' as const);
    }

    onSetVariables({ setVariableData }: v201.SetVariablesRequest) {
      this.run.stats.answer('SetVariables');
      return {
        setVariableResult: setVariableData.map(({ component, variable, attributeValue }) => {
          const entry = this.variables.get(`${component.name}/${variable.name}`);
          let attributeStatus: v201.SetVariableStatusEnumType = 'Accepted';
          if (entry === undefined) attributeStatus = this.unknownStatus(component.name);
          else if (entry.readonly) attributeStatus = 'Rejected';
          else entry.value = attributeValue;
          return { attributeStatus, component, variable };
        }),
      };
    }

    onGetVariables({ getVariableData }: v201.GetVariablesRequest) {
      this.run.stats.answer('GetVariables');
      return {
        getVariableResult: getVariableData.map(({ component, variable }) => {
          const entry = this.variables.get(`${component.name}/${variable.name}`);
          if (entry === undefined) return { attributeStatus: this.unknownStatus(component.name), component, variable };
          return { attributeStatus: 'Accepted' as const, attributeValue: entry.value, component, variable };
        }),
      };
    }

    @v201.after(v201.Action.TriggerMessage)
    afterTrigger(
      { requestedMessage, evse }: v201.TriggerMessageRequest,
      { response }: v201.AfterContext<v201.TriggerMessageResponse>,
    ) {
      if (response.status === 'Accepted') this.track(this.sendTriggered(requestedMessage, evse?.id));
    }
  };
}

const Station201 = v2Station(v201.Client);
// 2.1: the same class body on the 2.1 client (see v2Station)
const Station21 = v2Station(v21.Client as unknown as typeof v201.Client);

/** A 2.0.1 or 2.1 station. */
export function createStation2(protocol: 'ocpp2.0.1' | 'ocpp2.1', run: Run, options: v201.ClientOptions): Station {
  return protocol === 'ocpp2.1' ? new Station21(run, options) : new Station201(run, options);
}
