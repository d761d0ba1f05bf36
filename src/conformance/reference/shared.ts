/** What the reference charge points of 1.6 and 2.x share: the client options and the follow-up scheduler. */
import type { ClientOptions } from '../../client/options.ts';

/** Options of a reference charge point. */
export interface ReferenceChargePointOptions {
  /** The CSMS's endpoint, e.g. the URL `ocppkit test charge-point` prints. */
  readonly url: string;
  /** Its identity. Default `OCPPKIT-REFERENCE`. */
  readonly identity?: string;
  /** Its subprotocol. */
  readonly protocol: 'ocpp1.6' | 'ocpp2.0.1' | 'ocpp2.1';
}

/** A running reference charge point. */
export interface ReferenceChargePoint {
  /** Stops it for good. */
  stop(): Promise<void>;
}

/** The client options of a reference charge point: quick reconnects, so a reset takes a moment. */
export function referenceClientOptions(options: ReferenceChargePointOptions): ClientOptions {
  return {
    url: options.url,
    identity: options.identity ?? 'OCPPKIT-REFERENCE',
    backOff: { waitMinimum: 50, randomRange: 50, repeatTimes: 1 },
    callTimeout: 10_000,
  };
}

/** Runs `work` once the answer to the CALL being handled is on its way (the client sends its CALLs after it). */
export function afterAnswer(work: () => Promise<unknown>): void {
  setTimeout(() => {
    work().catch(() => {});
  }, 10);
}

/** The current time, as OCPP writes it. */
export const now = (): string => new Date().toISOString();
