/**
 * Typed vendor messages over DataTransfer: what `ocppkit codegen vendor` generates code for, and what can be used
 * by hand with any validators.
 *
 * A vendor message is a DataTransfer whose `vendorId` and `messageId` name it and whose `data` follows a schema of
 * its own, one for the request and one for the response. `defineVendor()` binds the messages of one vendor:
 * `vendor.call()` sends one (validated, encoded for the connection's version) and resolves with the answer's data
 * (decoded, validated); `vendor.handlers()` and `vendor.chargePointHandlers()` build the `onDataTransfer` handler
 * that decodes, validates and dispatches what arrives, and leaves any other DataTransfer to a fallback.
 *
 * OCPP 1.6 carries `data` as a string: the data is JSON-encoded there and decoded on receipt. OCPP 2.0.1 and 2.1
 * carry any JSON value: the data goes as is. Which applies is read from the connection's `protocol`.
 */
export * from './vendor/define.ts';
export * from './vendor/errors.ts';
export * from './vendor/types.ts';
