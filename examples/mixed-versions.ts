/**
 * One server for OCPP 1.6, 2.0.1 and 2.1. The subprotocol each charge point asks for (in its order of preference)
 * decides which class handles it; the URL never does. Handlers are written both ways: decorators (1.6, 2.1) and
 * the generated handler interface (2.0.1).
 *
 * In a clone of the repository:
 *
 *   npx tsx examples/mixed-versions.ts            # PORT=9100 for another port
 */
import { createConsoleLogger, OcppServer } from 'ocppkit/server';
import * as v16 from 'ocppkit/v16';
import * as v21 from 'ocppkit/v21';
import * as v201 from 'ocppkit/v201';

const logger = createConsoleLogger('info');
const now = () => new Date().toISOString();

class ChargePointV16 extends v16.ChargePoint {
  @v16.on(v16.Action.BootNotification)
  boot({ chargePointVendor, chargePointModel }: v16.BootNotificationRequest) {
    logger.info({ identity: this.identity, chargePointVendor, chargePointModel }, '1.6 boot');
    return { currentTime: now(), interval: 300, status: v16.RegistrationStatus.Accepted };
  }

  @v16.on(v16.Action.Heartbeat)
  heartbeat() {
    return { currentTime: now() };
  }
}

/** 2.0.1 with the generated interface: each method is typed by its name; no decorators needed. */
class ChargingStationV201 extends v201.ChargePoint implements v201.V201Handlers {
  onBootNotification({ chargingStation, reason }: v201.BootNotificationRequest) {
    logger.info({ identity: this.identity, model: chargingStation.model, reason }, '2.0.1 boot');
    return { currentTime: now(), interval: 300, status: v201.RegistrationStatusEnumType.Accepted };
  }

  onHeartbeat() {
    return { currentTime: now() };
  }
}

class ChargingStationV21 extends v21.ChargePoint {
  @v21.on(v21.Action.BootNotification)
  boot({ chargingStation }: v21.BootNotificationRequest) {
    logger.info({ identity: this.identity, model: chargingStation.model }, '2.1 boot');
    return new v21.callResult.BootNotification({
      currentTime: now(),
      interval: 300,
      status: v21.RegistrationStatusEnumType.Accepted,
    });
  }

  /** After the boot was answered: read one variable (GetVariables, typed per version). */
  @v21.after(v21.Action.BootNotification)
  async readVariables() {
    try {
      const { getVariableResult } = await this.call('GetVariables', {
        getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
      });
      for (const { attributeStatus, attributeValue, variable } of getVariableResult) {
        logger.info({ identity: this.identity, variable: variable.name, attributeStatus, attributeValue }, 'variable');
      }
    } catch (error) {
      logger.warn({ identity: this.identity, reason: String(error) }, 'GetVariables failed');
    }
  }

  @v21.on(v21.Action.Heartbeat)
  heartbeat() {
    return { currentTime: now() };
  }
}

const server = new OcppServer({
  port: Number(process.env.PORT ?? 9000),
  // The client's order of preference decides among the protocols both sides support.
  protocols: { 'ocpp2.1': ChargingStationV21, 'ocpp2.0.1': ChargingStationV201, 'ocpp1.6': ChargePointV16 },
  logger,
});

server.events.on('connect', ({ identity, protocol }) => {
  logger.info({ identity, protocol, connected: server.size }, 'charge point connected');
});
server.events.on('disconnect', ({ identity, code }) => logger.info({ identity, code }, 'charge point disconnected'));
// A handshake turned away: the status, why, and the subprotocols the charge point offered.
server.events.on('refused', ({ status, reason, identity, offered }) =>
  logger.warn({ status, reason, identity, offered }, 'handshake refused'),
);

const { port } = await server.listen();
logger.info({ port, protocols: 'ocpp2.1,ocpp2.0.1,ocpp1.6' }, 'CSMS listening');

/**
 * Soft-reset a charge point by identity, whatever version it speaks: the registry returns your own classes.
 * (`server.version('ocpp1.6').call(identity, 'Reset', { type: 'Soft' })` does the same for one version.)
 */
export async function softReset(identity: string): Promise<string> {
  const chargePoint = server.get(identity);
  if (chargePoint instanceof ChargePointV16) return (await chargePoint.call('Reset', { type: 'Soft' })).status;
  if (chargePoint instanceof ChargingStationV201) return (await chargePoint.call('Reset', { type: 'OnIdle' })).status;
  if (chargePoint instanceof ChargingStationV21) return (await chargePoint.call('Reset', { type: 'OnIdle' })).status;
  throw new Error(`${identity} is not connected`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.close());
