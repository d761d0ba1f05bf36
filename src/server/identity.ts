/**
 * Which charge point identities a server accepts, per version, and the key one identity is registered under. An
 * identity is read from the URL's last path segment and percent-decoded before these rules see it.
 */
import type { Subprotocol } from '../protocol.ts';

/** Decides whether a decoded identity may connect with a subprotocol; a refused one gets HTTP 400. */
export type IdentityRule = (identity: string, protocol: Subprotocol) => boolean;

/** The longest identity accepted by default: the 2.x `identifierString` limit. */
export const MAX_IDENTITY_LENGTH = 48;

/** 2.x `identifierString`: a-z A-Z 0-9 and `* - _ = : + | @ .` (compared case-insensitively). */
const IDENTIFIER_STRING = /^[A-Za-z0-9*\-_=:+|@.]+$/;
/** Visible characters (letters, marks, digits, punctuation, symbols), with spaces only between them. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}](?:[\p{L}\p{M}\p{N}\p{P}\p{S} ]*[\p{L}\p{M}\p{N}\p{P}\p{S}])?$/u;

/**
 * The default rule. Every version: 1 to `maxLength` characters, and never `.`, `..`, nor one containing `/` or `\`
 * (an application that builds a path or a key from the identity must not be led elsewhere). 1.6: visible
 * characters only (no C0 or C1 controls, no format characters such as right-to-left overrides or zero-width
 * spaces, no line separators, spaces only between visible characters). 2.0.1 and 2.1: `identifierString`
 * characters; 2.1 also forbids `:`, the separator of HTTP Basic credentials.
 */
export function isAcceptableIdentity(
  identity: string,
  protocol: Subprotocol,
  maxLength: number = MAX_IDENTITY_LENGTH,
): boolean {
  if (identity.length === 0 || identity.length > maxLength) return false;
  if (identity === '.' || identity === '..' || identity.includes('/') || identity.includes('\\')) return false;
  if (protocol === 'ocpp1.6') return PRINTABLE.test(identity);
  if (!IDENTIFIER_STRING.test(identity)) return false;
  return protocol !== 'ocpp2.1' || !identity.includes(':');
}

/**
 * The default registry key of an identity: NFKC-normalised and lower-cased. 2.x identities are case-insensitive
 * (`identifierString`); for 1.6 the same key makes look-alike twins (another case, composed or decomposed accents,
 * fullwidth letters) one charge point, so a newer connection replaces the older instead of both being registered.
 */
export function identityKey(identity: string): string {
  return identity.normalize('NFKC').toLowerCase();
}
