/**
 * A CSMS that calls the charge point once it has answered its BootNotification: an `@after` handler runs after
 * the response was sent, so the charge point has its answer before it gets the CSMS's first CALL.
 *
 * In a clone of the repository:
 *
 *   npx tsx examples/after-handler-csms.ts        # PORT=9100 for another port
 */
import { createConsoleLogger, OcppServer } from 'ocppkit/server';
import {
  Action,
  type AfterContext,
  after,
  type BootNotificationRequest,
  type BootNotificationResponse,
  CallError,
  ChargePoint,
  ConfigurationStatus,
  call,
  callResult,
  on,
  RegistrationStatus,
} from 'ocppkit/v16';

const logger = createConsoleLogger('info');
const HEARTBEAT_INTERVAL = 60;

class ConfiguringChargePoint extends ChargePoint {
  @on(Action.BootNotification)
  onBootNotification(_request: BootNotificationRequest) {
    return new callResult.BootNotification({
      currentTime: new Date().toISOString(),
      interval: HEARTBEAT_INTERVAL,
      status: RegistrationStatus.Accepted,
    });
  }

  /** Runs after the BootNotification response was sent: read the configuration, then change what differs. */
  @after(Action.BootNotification)
  async configure(request: BootNotificationRequest, context: AfterContext<BootNotificationResponse>) {
    if (context.response.status !== RegistrationStatus.Accepted) return;
    try {
      // The result is typed: GetConfigurationResponse.
      const { configurationKey = [], unknownKey = [] } = await this.call(
        new call.GetConfiguration({ key: ['HeartbeatInterval', 'MeterValueSampleInterval'] }),
      );
      for (const { key, value, readonly } of configurationKey) {
        logger.info({ identity: this.identity, key, value, readonly }, 'configuration key');
      }
      if (unknownKey.length > 0) logger.info({ identity: this.identity, unknownKey }, 'keys the charge point lacks');

      const heartbeat = configurationKey.find(({ key }) => key === 'HeartbeatInterval');
      if (heartbeat && !heartbeat.readonly && heartbeat.value !== String(HEARTBEAT_INTERVAL)) {
        // The result is typed: ChangeConfigurationResponse.
        const { status } = await this.call('ChangeConfiguration', {
          key: 'HeartbeatInterval',
          value: String(HEARTBEAT_INTERVAL),
        });
        if (status === ConfigurationStatus.RebootRequired) {
          logger.info({ identity: this.identity }, 'HeartbeatInterval changes after a reboot');
        }
        logger.info({ identity: this.identity, model: request.chargePointModel, status }, 'HeartbeatInterval changed');
      }
    } catch (error) {
      // CallError: the charge point answered with a CALLERROR; CallTimeoutError, ConnectionClosedError: no answer.
      const reason = error instanceof CallError ? `${error.code}: ${error.description}` : String(error);
      logger.warn({ identity: this.identity, reason }, 'configuration failed');
    }
  }
}

const server = new OcppServer({
  port: Number(process.env.PORT ?? 9000),
  protocols: { 'ocpp1.6': ConfiguringChargePoint },
  logger,
});
server.events.on('connect', ({ identity }) => logger.info({ identity }, 'charge point connected'));
const { port } = await server.listen();
logger.info({ port }, 'CSMS listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.close());
