/**
 * The worked example of docs/vendor-messages.md: typed vendor messages over DataTransfer, both ways, on OCPP 1.6 and
 * 2.0.1. A CSMS and two charge points (one per version) run in this one process, on 127.0.0.1.
 *
 * This folder holds the schemas (vendor.json and <MessageId>.request.json / .response.json) and, in generated/, what
 * `ocppkit codegen vendor` made of them. In a clone of the repository:
 *
 *   npm run ocppkit -- codegen vendor examples/vendor --out examples/vendor/generated
 *   npx tsx examples/vendor/main.ts
 */
import { DataTransferStatusError, type HandlerContext, OcppError, refuseDataTransfer } from 'ocppkit';
import { OcppServer } from 'ocppkit/server';
import * as v16 from 'ocppkit/v16';
import * as v201 from 'ocppkit/v201';
import { vendor } from './generated/index.js';

// ---- the CSMS ------------------------------------------------------------------------------------------------------

/** What the CSMS answers to the vendor messages charge points send, and to any other DataTransfer. */
const csmsDataTransfer = vendor.handlers(
  {
    MeterSnapshot: ({ timestamp, readings }, { identity }) => {
      const currents = readings.map(({ phase, current }) => `${phase} ${current} A`).join(', ');
      console.log(`CSMS: ${identity} measured ${currents} at ${timestamp}`);
      return { stored: true };
    },
    Ping: ({ nonce }) => ({ nonce, uptime: Math.round(process.uptime()) }),
  },
  // the plain handler: another vendorId, or a messageId of this vendor that has no handler here
  ({ vendorId, messageId }) => {
    console.log(`CSMS: DataTransfer ${vendorId} ${messageId ?? '(no messageId)'} is not ours`);
    return { status: 'UnknownVendorId' as const };
  },
);

class Csms16 extends v16.ChargePoint implements v16.V16Handlers {
  onDataTransfer(request: v16.DataTransferRequest, context: HandlerContext) {
    return csmsDataTransfer(request, context);
  }
}

class Csms201 extends v201.ChargePoint implements v201.V201Handlers {
  onDataTransfer(request: v201.DataTransferRequest, context: HandlerContext) {
    return csmsDataTransfer(request, context);
  }
}

// ---- the charge points -----------------------------------------------------------------------------------------------

/** A charge point's side of the vendor messages: it applies current limits and answers pings. */
function stationDataTransfer(station: { limit: number | undefined }) {
  return vendor.chargePointHandlers({
    SetLimit: ({ connectorId, limit, unit }, { identity }) => {
      if (unit !== 'A') return refuseDataTransfer(); // this station limits current only
      if (connectorId > 2) throw new OcppError('PropertyConstraintViolation', `no connector ${connectorId}`);
      station.limit = limit;
      console.log(`${identity}: connector ${connectorId} limited to ${limit} A`);
      return { applied: true };
    },
    Ping: ({ nonce }) => ({ nonce }),
  });
}

class Station16 extends v16.Client implements v16.V16ChargePointHandlers {
  limit: number | undefined;
  readonly #dataTransfer = stationDataTransfer(this);

  onDataTransfer(request: v16.DataTransferRequest, context: HandlerContext) {
    return this.#dataTransfer(request, context);
  }
}

class Station201 extends v201.Client implements v201.V201ChargePointHandlers {
  limit: number | undefined;
  readonly #dataTransfer = stationDataTransfer(this);

  onDataTransfer(request: v201.DataTransferRequest, context: HandlerContext) {
    return this.#dataTransfer(request, context);
  }
}

// ---- the exchange ----------------------------------------------------------------------------------------------------

const server = new OcppServer({ host: '127.0.0.1', port: 0, protocols: { 'ocpp1.6': Csms16, 'ocpp2.0.1': Csms201 } });
const connected = new Promise<void>((resolve) => {
  const seen = new Set<string>();
  server.events.on('connect', ({ identity }) => {
    seen.add(identity);
    if (seen.size === 2) resolve();
  });
});
const { port } = await server.listen();
const url = `ws://127.0.0.1:${port}`;
const cp16 = new Station16({ url, identity: 'CP-16', reconnect: false });
const cs201 = new Station201({ url, identity: 'CS-201', reconnect: false });
await Promise.all([cp16.connect(), cs201.connect(), connected]);

// 1.6 carries the data as a JSON string: see it on the wire
server.get('CP-16')?.events.on('message:out', ({ data }) => console.log(`CSMS → CP-16: ${data}`));

// charge point → CSMS: the data is typed, validated before it is sent, and so is the answer
const snapshot = { timestamp: new Date().toISOString(), readings: [{ phase: 'L1' as const, current: 15.5 }] };
const { stored } = await vendor.call(cp16, 'MeterSnapshot', snapshot);
console.log(`CP-16: snapshot stored: ${stored}`);
console.log(`CS-201: snapshot stored: ${(await vendor.call(cs201, 'MeterSnapshot', snapshot)).stored}`);

// CSMS → charge point: find the connection in the registry; its class tells the version
for (const identity of ['CP-16', 'CS-201']) {
  const chargePoint = server.get(identity);
  if (chargePoint === undefined) continue;
  const { applied } = await vendor.call(chargePoint, 'SetLimit', { connectorId: 1, limit: 16, unit: 'A' });
  console.log(`CSMS: limit on ${identity} applied: ${applied}`);
  try {
    await vendor.call(chargePoint, 'SetLimit', { connectorId: 1, limit: 11_000, unit: 'W' });
  } catch (error) {
    if (!(error instanceof DataTransferStatusError)) throw error;
    console.log(`CSMS: ${identity} answered ${error.status} to a limit in watts`);
  }
  const { nonce } = await vendor.call(chargePoint, 'Ping', { nonce: `ping-${identity}` });
  console.log(`CSMS: ${identity} echoed ${nonce}`);
}

// a DataTransfer of another vendor reaches the CSMS's plain handler
const other = await cs201.call('DataTransfer', { vendorId: 'org.example.other', messageId: 'Hello' });
console.log(`CS-201: another vendor's message was answered ${other.status}`);

await Promise.all([cp16.stop(), cs201.stop()]);
await server.close();
