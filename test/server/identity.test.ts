/**
 * Which identities a server accepts, per version, what the application sees of them, and how look-alike twins are
 * registered: the rule on its own, then over real sockets.
 */
import { describe, expect, it } from 'vitest';
import type { Subprotocol } from '../../src/protocol.ts';
import { identityKey, isAcceptableIdentity } from '../../src/server.ts';
import { ALL, startServer } from './fixtures.ts';
import { RawClient, rawHandshake, refusal } from './helpers.ts';

const VERSIONS: Subprotocol[] = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'];

/** Identities refused by every version, by what makes them hostile. */
const REFUSED_EVERYWHERE: [string, string][] = [
  ['empty', ''],
  ['49 characters', 'x'.repeat(49)],
  ['a decoded slash', 'CP1/CP2'],
  ['path traversal', '../../../etc/passwd'],
  ['a backslash', 'CP1\\CP2'],
  ['dot', '.'],
  ['dot dot', '..'],
  ['NUL (C0)', 'CP\u0000'],
  ['newline (C0)', 'CP\n1'],
  ['DEL', 'CP\u007f'],
  ['NEL (C1)', 'CP\u0085'],
  ['CSI (C1)', 'CP\u009b1'],
  ['right-to-left override', 'CP\u202e1'],
  ['zero-width space', 'CP\u200b1'],
  ['byte order mark', '\ufeffCP1'],
  ['line separator', 'CP\u20281'],
  ['a lone space', ' '],
  ['a trailing space', 'CP1 '],
];

/** Identities 1.6 accepts (visible characters) that 2.x refuses (not identifierString). */
const ONLY_V16: [string, string][] = [
  ['an inner space', 'CP 1'],
  ['accented letters', 'Borne-Élysée'],
  ['fullwidth letters', 'ＣＰ１'],
  ['a hash and a percent sign', 'CP#1%'],
];

describe('the default identity rule', () => {
  it.each(REFUSED_EVERYWHERE)('refuses %s in every version', (_name, identity) => {
    for (const protocol of VERSIONS) expect(isAcceptableIdentity(identity, protocol), protocol).toBe(false);
  });

  it.each(ONLY_V16)('1.6 accepts %s; 2.0.1 and 2.1 (identifierString) refuse it', (_name, identity) => {
    expect(isAcceptableIdentity(identity, 'ocpp1.6')).toBe(true);
    expect(isAcceptableIdentity(identity, 'ocpp2.0.1')).toBe(false);
    expect(isAcceptableIdentity(identity, 'ocpp2.1')).toBe(false);
  });

  it('2.x accepts every identifierString character; 2.1 refuses ":", the Basic credentials separator', () => {
    const all = 'aZ09*-_=:+|@.';
    expect(isAcceptableIdentity(all, 'ocpp1.6')).toBe(true);
    expect(isAcceptableIdentity(all, 'ocpp2.0.1')).toBe(true);
    expect(isAcceptableIdentity(all, 'ocpp2.1')).toBe(false);
    expect(isAcceptableIdentity(all.replace(':', ''), 'ocpp2.1')).toBe(true);
    expect(isAcceptableIdentity('x'.repeat(48), 'ocpp2.1')).toBe(true);
    expect(isAcceptableIdentity('cp.1', 'ocpp2.0.1')).toBe(true);
  });

  it('keys look-alike twins as one: case, composed and decomposed accents, fullwidth letters', () => {
    expect(identityKey('CP_1')).toBe(identityKey('cp_1'));
    expect(identityKey('Borne-\u00c9')).toBe(identityKey('Borne-E\u0301'));
    expect(identityKey('ＣＰ１')).toBe(identityKey('CP1'));
    expect(identityKey('CP1')).not.toBe(identityKey('CP2'));
  });
});

describe('identities over real sockets', () => {
  it('every hostile identity, percent-encoded, is HTTP 400 in every version and never reaches the hook', async () => {
    const seen: string[] = [];
    const { server, port, url } = await startServer({
      protocols: ALL,
      authenticate: ({ identity }) => {
        seen.push(identity);
        return true;
      },
    });
    for (const [name, identity] of REFUSED_EVERYWHERE.filter(([, id]) => id !== '')) {
      for (const protocol of VERSIONS) {
        // by hand: a client's URL parser would resolve `/%2E%2E` before sending it
        const path = `/${encodeURIComponent(identity).replaceAll('.', '%2E')}`;
        const answer = await rawHandshake(port, path, protocol);
        answer.socket.destroy();
        expect(answer.status, `${name} over ${protocol}`).toBe(400);
      }
    }
    // a literal slash is another path, not an identity
    expect((await refusal(url('/CP1/CP2'), 'ocpp1.6')).status).toBe(404);
    expect(seen).toEqual([]);
    expect(server.size).toBe(0);
  });

  it('the application sees 1.6 identities as sent; 2.x refuses what is not identifierString', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const client = await RawClient.open(url(`/${encodeURIComponent('Borne Élysée')}`), 'ocpp1.6');
    expect(server.get('Borne Élysée')?.identity).toBe('Borne Élysée');
    await client.close();
    expect((await refusal(url(`/${encodeURIComponent('Borne Élysée')}`), 'ocpp2.0.1')).status).toBe(400);
  });

  it.each(VERSIONS)('%s: a twin in another case replaces the connection, and lookups ignore case', async (protocol) => {
    const { server, url } = await startServer({ protocols: ALL });
    const first = await RawClient.open(url('/CP_Twin'), protocol);
    const second = await RawClient.open(url('/cp_twin'), protocol);
    expect((await first.closed).code).toBe(1000);
    expect(server.size).toBe(1);
    expect(server.get('CP_TWIN')?.identity).toBe('cp_twin');
    await second.close();
  });

  it('1.6: composed, decomposed and fullwidth twins are one charge point', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const composed = await RawClient.open(url(`/${encodeURIComponent('Borne-\u00c9')}`), 'ocpp1.6');
    const decomposed = await RawClient.open(url(`/${encodeURIComponent('Borne-E\u0301')}`), 'ocpp1.6');
    expect((await composed.closed).code).toBe(1000);
    const fullwidth = await RawClient.open(url(`/${encodeURIComponent('ＣＰ１')}`), 'ocpp1.6');
    const ascii = await RawClient.open(url('/CP1'), 'ocpp1.6');
    expect((await fullwidth.closed).code).toBe(1000);
    expect(server.size).toBe(2);
    await Promise.all([decomposed.close(), ascii.close()]);
  });

  it('identityRule and identityKey replace the defaults', async () => {
    const { server, url } = await startServer({
      protocols: ALL,
      identityRule: (identity) => identity.startsWith('ok-'),
      identityKey: (identity) => identity,
    });
    expect((await refusal(url('/CP1'), 'ocpp2.0.1')).status).toBe(400);
    const upper = await RawClient.open(url('/ok-A'), 'ocpp2.0.1');
    const lower = await RawClient.open(url('/ok-a'), 'ocpp2.0.1');
    expect(server.size).toBe(2);
    expect(server.get('ok-A')).not.toBe(server.get('ok-a'));
    await Promise.all([upper.close(), lower.close()]);
  });
});
