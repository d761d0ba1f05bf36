/**
 * What the console's server sends its page: a snapshot when the page connects, then one update per batch. Shared by
 * the server (src/console/*) and the page (src/console/page/*); types only.
 */

/** A connected charge point, as the page lists it. */
export interface ChargePointRow {
  /** The identity it connected with. */
  readonly identity: string;
  /** The subprotocol it speaks. */
  readonly protocol: string;
  /** When it connected (ms since the epoch). */
  readonly connectedAt: number;
  /** When the last frame came from it (ms since the epoch). */
  readonly lastMessageAt: number;
  /** The last action it sent a request of. */
  readonly lastAction: string | undefined;
  /** The status of each connector (`"0"` is the charge point), from its StatusNotifications. */
  readonly status: Readonly<Record<string, string>>;
}

/** The kind of frame a log entry holds. */
export type FrameKind = 'CALL' | 'CALLRESULT' | 'CALLERROR' | 'CALLRESULTERROR' | 'SEND' | 'BAD';

/** One frame of the log. */
export interface LogEntry {
  /** Its place in the log: increasing, never reused. */
  readonly seq: number;
  /** When it was received or sent (ms since the epoch). */
  readonly time: number;
  /** The charge point. */
  readonly identity: string;
  /** `in`: the charge point sent it; `out`: the CSMS sent it. */
  readonly direction: 'in' | 'out';
  /** The message type. */
  readonly kind: FrameKind;
  /** The message id, when the frame could be read that far. */
  readonly messageId: string | undefined;
  /** The action: of the CALL itself, or of the CALL an answer answers. */
  readonly action: string | undefined;
  /** The frame's text. */
  readonly frame: string;
  /** For an answer: the `seq` of its CALL. For a CALL: the `seq` of its answer, once it came. */
  readonly linked: number | undefined;
  /** For an answer: ms since its CALL. */
  readonly latency: number | undefined;
}

/** One meter reading of a transaction. */
export interface MeterPoint {
  /** When it was sampled (ms since the epoch). */
  readonly time: number;
  /** The energy register, in Wh. */
  readonly wh: number;
}

/** A transaction, from its start (StartTransaction or TransactionEvent) to its end. */
export interface TransactionRow {
  /** The transaction id. */
  readonly id: string;
  /** The charge point. */
  readonly identity: string;
  /** When it started (ms since the epoch). */
  readonly startedAt: number;
  /** When it ended, if it did. */
  readonly endedAt: number | undefined;
  /** Its energy readings, oldest first (bounded). */
  readonly meter: readonly MeterPoint[];
}

/** The actions the CSMS may send to a charge point, per subprotocol: `{ 'ocpp1.6': ['Reset', …] }`. */
export type SendableActions = Readonly<Record<string, readonly string[]>>;

/** A batch of changes, or (with `snapshot: true`) the whole state. */
export interface ConsoleUpdate {
  /** Whether this replaces everything the page holds. */
  readonly snapshot: boolean;
  /** Charge points connected or changed. */
  readonly chargePoints: readonly ChargePointRow[];
  /** Identities that disconnected. */
  readonly gone: readonly string[];
  /** Frames logged since the last update, oldest first. */
  readonly log: readonly LogEntry[];
  /** Links made since the last update: `[callSeq, answerSeq, latency]`. */
  readonly links: readonly (readonly [number, number, number])[];
  /** Frames not sent to the page because a batch was over its limit. */
  readonly skipped: number;
  /** Transactions started or changed. */
  readonly transactions: readonly TransactionRow[];
}

/** What `POST /api/call` answers. */
export type CallOutcome =
  | { readonly ok: true; readonly result: unknown; readonly latency: number }
  | {
      readonly ok: false;
      /** `refused`: nothing was sent (unknown charge point or action, or the payload fails its schema). */
      readonly refused: boolean;
      readonly error: string;
      readonly message: string;
    };
