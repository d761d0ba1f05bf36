/**
 * HTTP Basic authentication as OCPP security profiles 1 and 2 use it: `Authorization: Basic
 * base64(<identity>:<password>)`, the username equal to the charge point's identity. The password may
 * contain `:` and need not be text (1.6 AuthorizationKey is 20 bytes), so it is read by stripping the known
 * `identity:` prefix and kept as bytes.
 */
import { timingSafeEqual } from 'node:crypto';

/**
 * The password bytes of a Basic `Authorization` header for `identity`, or `undefined` when the header is
 * missing, garbled, for another username, or carries an empty password.
 */
export function basicAuthPassword(header: string | undefined, identity: string): Buffer | undefined {
  if (!header) return undefined;
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (!match?.[1] || match[1].length % 4 === 1) return undefined;
  const decoded = Buffer.from(match[1], 'base64');
  const prefix = Buffer.from(`${identity}:`, 'utf8');
  if (decoded.length <= prefix.length || !decoded.subarray(0, prefix.length).equals(prefix)) return undefined;
  return decoded.subarray(prefix.length);
}

/**
 * Compares a presented secret with the expected one in time that does not depend on where they differ (nor,
 * beyond the expected length, on the presented one's length).
 */
export function secretsEqual(presented: Buffer | string, expected: Buffer | string): boolean {
  const a = typeof presented === 'string' ? Buffer.from(presented, 'utf8') : presented;
  const b = typeof expected === 'string' ? Buffer.from(expected, 'utf8') : expected;
  // Compare against a same-length buffer either way, so a wrong length costs the same as a wrong byte.
  const same = timingSafeEqual(a.length === b.length ? a : b, b);
  return same && a.length === b.length;
}

/** The header a client sends for `identity` and `password` (bytes or UTF-8 text). */
export function basicAuthHeader(identity: string, password: Uint8Array | string): string {
  const secret = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  return `Basic ${Buffer.concat([Buffer.from(`${identity}:`, 'utf8'), secret]).toString('base64')}`;
}
