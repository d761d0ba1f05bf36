/**
 * Message ids: a random prefix drawn once per connection, then a counter. One `randomBytes` call per connection and
 * a string concatenation per message; unique per sender per connection by the counter, and across connections of
 * one identity (2.0.1) by the 72 random bits of the prefix. At most 12 + 11 characters, well within 36.
 */
import { randomBytes } from 'node:crypto';

/** Produces the id of each outgoing CALL (or SEND). */
export type MessageIdFactory = () => string;

/** A fresh generator: `gen()` → `"Xk3v9Qa0bLm2" + counter in base 36`. */
export function createMessageIdFactory(): MessageIdFactory {
  const prefix = randomBytes(9).toString('base64url');
  let counter = 0;
  return () => prefix + (++counter).toString(36);
}
