/** What a vendor message call or handler refuses or rejects with. */
import { describeIssue, RequestValidationError, ResponseValidationError, ValidationError } from '../errors.ts';
import type { ValidationIssue } from '../protocol.ts';

/** The issue of a vendor message without `data` whose schema wants some. */
export const MISSING_DATA: ValidationIssue = Object.freeze({
  keyword: 'required',
  instancePath: '',
  message: 'must have required property "data"',
  params: Object.freeze({ missingProperty: 'data' }),
});

/** The issue of 1.6 `data` that is not JSON text. */
export const NOT_JSON: ValidationIssue = Object.freeze({
  keyword: 'contentMediaType',
  instancePath: '',
  message: 'must be JSON text',
  params: Object.freeze({ contentMediaType: 'application/json' }),
});

/** A data issue as the DataTransfer payload sees it: its path under `/data` (a missing `data` stays on the payload). */
export function inPayload(issue: ValidationIssue): ValidationIssue {
  return issue === MISSING_DATA ? issue : { ...issue, instancePath: `/data${issue.instancePath}` };
}

/** Where and what, within the DataTransfer payload. */
export function describeData(issue: ValidationIssue): string {
  return describeIssue(inPayload(issue));
}

/** The status of a DataTransfer response, the same in every version. */
export type DataTransferStatus = 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId';

/** A DataTransfer status other than `Accepted`: what a handler may answer with `refuseDataTransfer()`. */
export type DataTransferRefusalStatus = Exclude<DataTransferStatus, 'Accepted'>;

/** What a handler returns to answer a vendor message with a status other than `Accepted` (and no data). */
export class DataTransferRefusal {
  /** A refusal answered with `status`. */
  constructor(
    /** The status answered. */
    readonly status: DataTransferRefusalStatus,
  ) {}
}

/** Answer a vendor message with `status` (default `Rejected`) and no data: `return refuseDataTransfer()`. */
export function refuseDataTransfer(status: DataTransferRefusalStatus = 'Rejected'): DataTransferRefusal {
  return new DataTransferRefusal(status);
}

/** The data of our own vendor request fails its schema: nothing was sent. */
export class VendorRequestValidationError extends RequestValidationError {
  override readonly name: string = 'VendorRequestValidationError';
  /** The failure of our data for `vendorId`/`vendorMessageId`; `issue` is the first, its path within the data. */
  constructor(
    /** The DataTransfer `vendorId`. */
    readonly vendorId: string,
    /** The DataTransfer `messageId`. */
    readonly vendorMessageId: string,
    issue: ValidationIssue,
  ) {
    super('DataTransfer', '', issue);
    this.message = `DataTransfer ${vendorId} ${vendorMessageId}: the request's data is invalid: ${describeData(issue)}`;
  }
}

/**
 * A vendor handler returned data that fails the response schema: nothing of it was sent, the peer got
 * `InternalError`. Reported through the `handler:error` event and the logger.
 */
export class VendorResponseValidationError extends ResponseValidationError {
  override readonly name: string = 'VendorResponseValidationError';
  /** The failure of our handler's data for `vendorId`/`vendorMessageId`; `issue` is the first. */
  constructor(
    /** The DataTransfer `vendorId`. */
    readonly vendorId: string,
    /** The DataTransfer `messageId`. */
    readonly vendorMessageId: string,
    issue: ValidationIssue,
  ) {
    super('DataTransfer', '', issue);
    this.message = `DataTransfer ${vendorId} ${vendorMessageId}: the handler's response data is invalid: ${describeData(issue)}`;
  }
}

/** The data of the answer to our vendor message fails its schema (or, on 1.6, is not JSON). */
export class VendorResultValidationError extends ValidationError {
  override readonly name: string = 'VendorResultValidationError';
  /** The failure of the answer's data for `vendorId`/`vendorMessageId`; `issue` is the first. */
  constructor(
    /** The DataTransfer `vendorId`. */
    readonly vendorId: string,
    /** The DataTransfer `messageId`. */
    readonly vendorMessageId: string,
    issue: ValidationIssue,
    /** The DataTransfer response as received. */
    readonly response: object,
  ) {
    super(
      `DataTransfer ${vendorId} ${vendorMessageId}: the answer's data is invalid: ${describeData(issue)}`,
      'DataTransfer',
      '',
      issue,
    );
  }
}

/** A vendor message was answered with a status other than `Accepted`. */
export class DataTransferStatusError extends Error {
  override readonly name: string = 'DataTransferStatusError';
  /** The status received. */
  readonly status: DataTransferRefusalStatus;
  /** The answer to `vendorId`/`vendorMessageId`, `response` as received. */
  constructor(
    /** The DataTransfer `vendorId`. */
    readonly vendorId: string,
    /** The DataTransfer `messageId`. */
    readonly vendorMessageId: string,
    /** The DataTransfer response as received (on 2.x with its `statusInfo`, if any). */
    readonly response: { readonly status: DataTransferRefusalStatus; readonly data?: unknown },
  ) {
    super(`DataTransfer ${vendorId} ${vendorMessageId} was answered ${response.status}`);
    this.status = response.status;
  }
}
