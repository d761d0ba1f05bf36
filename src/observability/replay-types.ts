/** What a replay compares and reports, shared by the replay and its socket side. */

/** What differed, or went wrong, in one exchange. */
export interface ReplayDifference {
  /** The charge point's identity. */
  readonly identity: string;
  /** The action of the CALL. */
  readonly action: string;
  /** The recorded message id of the CALL. */
  readonly messageId: string;
  /**
   * `answer`: the CSMS answered with another payload or message type; `error`: another error code; `no-answer`:
   * no answer in time; `call`: a CALL of the CSMS had another payload; `missing-call`: a CALL of the CSMS in the
   * trace never came; `unexpected-call`: the CSMS made a CALL the trace does not have; `connection`: the
   * connection failed or closed.
   */
  readonly kind: 'answer' | 'error' | 'no-answer' | 'call' | 'missing-call' | 'unexpected-call' | 'connection';
  /** Dotted path in the payload, for `answer` and `call`. */
  readonly path?: string;
  /** What the trace has. */
  readonly recorded?: unknown;
  /** What the replay got. */
  readonly replayed?: unknown;
}

/** A CALL of the CSMS in the trace, and the charge point's recorded answer. */
export interface ExpectedCall {
  readonly action: string;
  readonly messageId: string;
  readonly payload: unknown;
  answer: unknown[] | undefined;
  matched: boolean;
}
