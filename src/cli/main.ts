/**
 * The `ocppkit` command line: `serve` (the demo CSMS), `connect` (an interactive client), `replay` (a recorded
 * trace against a CSMS), `simulate` (load), `test` (the conformance kit),
 * `codegen vendor` (typed vendor messages from JSON schemas).
 */
import { parseArgs } from 'node:util';
import type { ConsoleTarget, OcppConsole } from '../console/index.ts';
import { createConsoleLogger, isLogLevel, LOG_LEVELS } from '../console-logger.ts';
import { ALL_PROTOCOLS, createDemoCsms } from '../demo/index.ts';
import type { Subprotocol } from '../protocol.ts';
import type { ServedChargePoint } from '../server/served.ts';
import { connect } from './connect.ts';
import { REPLAY_USAGE, ReplayUsageError, replayCommand } from './replay.ts';
import {
  SERVE_OBSERVABILITY_OPTIONS,
  SERVE_OBSERVABILITY_USAGE,
  ServeOptionError,
  startServeObservability,
} from './serve-observability.ts';
import { SIMULATE_USAGE, SimulateUsageError, simulateCommand } from './simulate/command.ts';
import { TEST_USAGE, TestUsageError, testCommand } from './test/command.ts';
import { VENDOR_USAGE, VendorUsageError, vendorCommand } from './vendor/command.ts';

export const USAGE = `Usage: ocppkit <command> [options]

Commands:
  serve                 Run the demo CSMS (answers every message a charge point sends)
    --port <n>          Port to listen on (default 9000)
    --host <address>    Address to bind (default all interfaces)
    --protocols <list>  Subprotocols offered, comma-separated (default ocpp2.1,ocpp2.0.1,ocpp1.6)
    --log-level <l>     ${LOG_LEVELS.join('|')} (default info: connections and every frame)
    --reject <tags>     Id tags answered as Invalid, comma-separated
${SERVE_OBSERVABILITY_USAGE}
    --console <port>    Also serve the console (a web page of the charge points) on this port
    --console-host <a>  Address of the console (default 127.0.0.1; any other needs a token)
    --console-token <t> The console's access token (default: a random one beyond loopback)

  connect <url>         Connect to a CSMS, send each line typed as a frame, print each frame received
    --protocol <p>      Subprotocol to offer; repeat or comma-separate for several (default ocpp1.6)

${REPLAY_USAGE}
${SIMULATE_USAGE}
${TEST_USAGE}
${VENDOR_USAGE}
  --help                Show this help
`;

function parseProtocols(list: string): Subprotocol[] {
  const protocols = list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of protocols) {
    if (!(ALL_PROTOCOLS as readonly string[]).includes(p)) throw new UsageError(`unknown subprotocol ${p}`);
  }
  return protocols as Subprotocol[];
}

class UsageError extends Error {}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '9000' },
      host: { type: 'string' },
      protocols: { type: 'string', default: ALL_PROTOCOLS.join(',') },
      'log-level': { type: 'string', default: 'info' },
      reject: { type: 'string', default: '' },
      ...SERVE_OBSERVABILITY_OPTIONS,
      console: { type: 'string' },
      'console-host': { type: 'string' },
      'console-token': { type: 'string' },
    },
  });
  const consolePort = values.console === undefined ? undefined : Number(values.console);
  if (consolePort !== undefined && (!Number.isInteger(consolePort) || consolePort < 0 || consolePort > 65535)) {
    throw new UsageError(`invalid console port ${values.console}`);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port ${values.port}`);
  const level = values['log-level'];
  if (!isLogLevel(level)) throw new UsageError(`invalid log level ${level}`);
  const logger = createConsoleLogger(level);
  const { server } = createDemoCsms({
    port,
    ...(values.host === undefined ? {} : { host: values.host }),
    protocols: parseProtocols(values.protocols),
    logger,
    settings: { rejectedIdTags: new Set(values.reject.split(',').filter(Boolean)) },
  });
  server.events.on('connect', ({ identity, protocol }) =>
    logger.info({ identity, protocol }, 'charge point connected'),
  );
  if (level === 'info') {
    // Every connection logs its frames at debug; at the default level the CLI logs them itself.
    server.events.on('connect', ({ chargePoint }) => {
      chargePoint.events.on('message:in', ({ identity, data }) =>
        logger.info({ identity, frame: data }, 'frame received'),
      );
      chargePoint.events.on('message:out', ({ identity, data }) =>
        logger.info({ identity, frame: data }, 'frame sent'),
      );
    });
  }
  server.events.on('disconnect', ({ identity }) => logger.info({ identity }, 'charge point disconnected'));
  const stopObservability = await startServeObservability(server, values, logger);
  const address = await server.listen();
  logger.info({ port: address.port, protocols: values.protocols }, 'ocppkit demo CSMS listening');
  const console =
    consolePort === undefined
      ? undefined
      : await startConsole(server, consolePort, values['console-host'], values['console-token']);
  if (console) logger.info({ url: console.url }, 'ocppkit console');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info({}, 'shutting down');
  await console?.close();
  await server.close();
  await stopObservability();
  return 0;
}

/** The console of `serve --console`: beyond loopback with the token given, or a random one. */
async function startConsole<CP extends ServedChargePoint>(
  server: ConsoleTarget<CP>,
  port: number,
  host: string | undefined,
  token: string | undefined,
): Promise<OcppConsole> {
  const { attachConsole, isLoopback } = await import('../console/index.ts');
  const beyondLoopback = host !== undefined && !isLoopback(host);
  return await attachConsole(server, {
    port,
    ...(host === undefined ? {} : { host }),
    ...(token !== undefined ? { token } : beyondLoopback ? { token: true } : {}),
  });
}

async function connectCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { protocol: { type: 'string', multiple: true } },
  });
  const url = positionals[0];
  if (!url) throw new UsageError('connect needs a URL, e.g. ocppkit connect ws://localhost:9000/CP_1');
  const protocols = parseProtocols((values.protocol ?? ['ocpp1.6']).join(','));
  const code = await connect({ url, protocols });
  return code === 1000 || code === 1005 ? 0 : 1;
}

/** `codegen <generator> …`: the one generator is `vendor`. */
async function codegenCommand(args: string[]): Promise<number> {
  const [generator, ...rest] = args;
  if (generator === 'vendor') return await vendorCommand(rest);
  throw new UsageError(
    generator === undefined
      ? 'codegen needs a generator: ocppkit codegen vendor <folder> --out <dir>'
      : `unknown generator ${generator}: ocppkit codegen vendor <folder> --out <dir>`,
  );
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'connect':
        return await connectCommand(rest);
      case 'replay':
        return await replayCommand(rest);
      case 'simulate':
        return await simulateCommand(rest);
      case 'codegen':
        return await codegenCommand(rest);
      case 'test':
        return await testCommand(rest);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof SimulateUsageError ||
      error instanceof TestUsageError ||
      error instanceof VendorUsageError ||
      error instanceof ReplayUsageError ||
      error instanceof ServeOptionError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`ocppkit: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}
