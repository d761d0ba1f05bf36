/**
 * `ocppkit/v16`: OCPP 1.6 (with the 1.6 security extension). The generated payload types, enums, `Action`, `call`/`callResult` classes, handler
 * interfaces and validators, and the runtime bound to this version:
 * - `ChargePoint`: the CSMS side of one connection (handles what a charge point sends, calls the charge point);
 * - `ChargePointSession`: the charge-point side (handles what the CSMS sends, calls the CSMS);
 * - `on` / `after`: handler decorators checked against this version's payloads.
 */
import {
  type ChargePointSends,
  type ChargePointToCsms,
  type CsmsToChargePoint,
  protocol,
  validators,
} from '../../generated/v16/index.ts';
import type { OcppConnection } from '../connection.ts';
import { type EndpointOptions, OcppEndpoint } from '../endpoint.ts';
import {
  type AfterDecorator,
  type EndpointBinding,
  after as genericAfter,
  on as genericOn,
  type OnDecorator,
} from '../routing.ts';

export * from '../../generated/v16/index.ts';
export * from '../shared-exports.ts';

/** No SEND messages in this direction. */
type NoSends = Record<never, never>;

const csmsSide: EndpointBinding = { protocol, validators, side: 'csms' };
const chargePointSide: EndpointBinding = { protocol, validators, side: 'charge-point' };

/**
 * The CSMS side of one OCPP 1.6 (with the 1.6 security extension) connection: subclass it, add handlers (`@on(Action.BootNotification)` or methods of
 * `V16Handlers`), then `new MyChargePoint(identity, ws).start()`. `call()` takes only what a CSMS sends.
 */
export class ChargePoint extends OcppEndpoint<ChargePointToCsms, CsmsToChargePoint, ChargePointSends, NoSends> {
  /**
   * Binds an accepted connection; `start()` begins handling its frames.
   * @param identity The charge point's identity, decoded from the connection URL.
   * @param connection The accepted WebSocket; its subprotocol must be this version's.
   */
  constructor(identity: string, connection: OcppConnection, options?: EndpointOptions) {
    super(csmsSide, identity, connection, options);
  }
}

/**
 * The charge-point side of one OCPP 1.6 (with the 1.6 security extension) connection: handlers for what the CSMS sends (`V16ChargePointHandlers`),
 * `call()` for what a charge point sends.
 */
export class ChargePointSession extends OcppEndpoint<CsmsToChargePoint, ChargePointToCsms, NoSends, ChargePointSends> {
  /**
   * Binds an open connection to the CSMS; `start()` begins handling its frames.
   * @param identity This charge point's identity, as in the URL it connected to.
   * @param connection The open WebSocket to the CSMS; its subprotocol must be this version's.
   */
  constructor(identity: string, connection: OcppConnection, options?: EndpointOptions) {
    super(chargePointSide, identity, connection, options);
  }
}

/** The actions a CALL can carry, in either direction. */
type CallActions = (keyof ChargePointToCsms | keyof CsmsToChargePoint) & string;

/** `@on(Action.X, { skipValidation? })`: the decorated method handles X; checked against the class's side. */
export const on: OnDecorator<CallActions | (keyof ChargePointSends & string)> = genericOn;

/** `@after(Action.X)`: runs after the response to X was sent; its errors never reach the peer. */
export const after: AfterDecorator<CallActions> = genericAfter;
/** The charge-point-side client (`Client`), its options, events, errors and queue store. */
export * from '../client/v16.ts';
