/**
 * Basic-auth parsing and secret comparison (src/auth.ts): the password is read by stripping the known
 * `identity:` prefix, so it may contain ':' and any byte; anything else than a well-formed header for this
 * identity with a non-empty password is `undefined`.
 */
import { describe, expect, it } from 'vitest';
import { basicAuthHeader, basicAuthPassword, secretsEqual } from '../../src/auth.ts';

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');

describe('basicAuthPassword', () => {
  it('reads a text password', () => {
    expect(basicAuthPassword(`Basic ${b64('CP_1:secret-0123456789')}`, 'CP_1')).toEqual(
      Buffer.from('secret-0123456789'),
    );
  });

  it("keeps every ':' of the password (only the known identity prefix is stripped)", () => {
    expect(basicAuthPassword(`Basic ${b64('CP_1::a:b:')}`, 'CP_1')).toEqual(Buffer.from(':a:b:'));
  });

  it('the identity itself may contain ":" (1.6 and 2.0.1 allow it)', () => {
    expect(basicAuthPassword(`Basic ${b64('CP:01:pw')}`, 'CP:01')).toEqual(Buffer.from('pw'));
    expect(basicAuthPassword(`Basic ${b64('CP:01:pw')}`, 'CP')).toEqual(Buffer.from('01:pw'));
  });

  it('returns binary passwords byte for byte, 0x00 and 0xff included', () => {
    const key = Buffer.from('00ff3a80ff00c3a9ffee0102030405060708090a', 'hex');
    const header = `Basic ${b64(Buffer.concat([Buffer.from('CP_1:'), key]))}`;
    expect(basicAuthPassword(header, 'CP_1')).toEqual(key);
    expect(basicAuthPassword(header, 'CP_1')?.length).toBe(20);
  });

  it('matches a non-ASCII identity by its UTF-8 bytes', () => {
    expect(basicAuthPassword(`Basic ${b64('Zürich-1:pw')}`, 'Zürich-1')).toEqual(Buffer.from('pw'));
    expect(basicAuthPassword(`Basic ${Buffer.from('Zürich-1:pw', 'latin1').toString('base64')}`, 'Zürich-1')).toBe(
      undefined,
    );
  });

  it('an empty password is undefined', () => {
    expect(basicAuthPassword(`Basic ${b64('CP_1:')}`, 'CP_1')).toBeUndefined();
  });

  it('a username other than the identity is undefined', () => {
    expect(basicAuthPassword(`Basic ${b64('CP_2:secret')}`, 'CP_1')).toBeUndefined();
    // a longer username that starts with the identity, and a shorter one
    expect(basicAuthPassword(`Basic ${b64('CP_10:secret')}`, 'CP_1')).toBeUndefined();
    expect(basicAuthPassword(`Basic ${b64('CP_:1:secret')}`, 'CP_1')).toBeUndefined();
    // the username is compared exactly, case included
    expect(basicAuthPassword(`Basic ${b64('cp_1:secret')}`, 'CP_1')).toBeUndefined();
    // no separator at all
    expect(basicAuthPassword(`Basic ${b64('CP_1secret')}`, 'CP_1')).toBeUndefined();
    expect(basicAuthPassword(`Basic ${b64('CP_1')}`, 'CP_1')).toBeUndefined();
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', `Bearer ${b64('CP_1:secret')}`],
    ['the credentials without a scheme', b64('CP_1:secret')],
    ['the scheme alone', 'Basic'],
    ['the scheme and blanks', 'Basic   '],
    ['no blank after the scheme', `Basic${b64('CP_1:secret')}`],
    ['characters outside base64', 'Basic Q1BfMTpz!WNyZXQ='],
    ['padding in the middle', 'Basic Q1B=fMTpzZWNyZXQ='],
    ['too much padding', `Basic ${b64('CP_1:secre')}===`],
    ['a base64 length that cannot be', 'Basic Q1BfMTpzZWNyZXQ9X'],
    ['two credentials', `Basic ${b64('CP_1:a')} ${b64('CP_1:b')}`],
    ['base64url instead of base64', `Basic ${Buffer.from('CP_1:\xfb\xff').toString('base64url')}`],
  ])('a missing or garbled header is undefined: %s', (_name, header) => {
    expect(basicAuthPassword(header, 'CP_1')).toBeUndefined();
  });

  it('accepts the scheme in any case and blanks around the credentials (RFC 7617)', () => {
    const expected = Buffer.from('secret');
    expect(basicAuthPassword(`basic ${b64('CP_1:secret')}`, 'CP_1')).toEqual(expected);
    expect(basicAuthPassword(`BASIC ${b64('CP_1:secret')}`, 'CP_1')).toEqual(expected);
    expect(basicAuthPassword(`Basic \t ${b64('CP_1:secret')} `, 'CP_1')).toEqual(expected);
  });
});

describe('secretsEqual', () => {
  it('equal secrets, as text or bytes', () => {
    expect(secretsEqual('s3cret-password-0001', 's3cret-password-0001')).toBe(true);
    expect(secretsEqual(Buffer.from([0, 255, 58]), Buffer.from([0, 255, 58]))).toBe(true);
    expect(secretsEqual(Buffer.from('pässword'), 'pässword')).toBe(true);
    expect(secretsEqual('', '')).toBe(true);
  });

  it('different secrets of the same length', () => {
    expect(secretsEqual('s3cret-password-0001', 's3cret-password-0002')).toBe(false);
    expect(secretsEqual('X3cret-password-0001', 's3cret-password-0001')).toBe(false);
    expect(secretsEqual(Buffer.from([0, 255]), Buffer.from([255, 0]))).toBe(false);
  });

  it('different lengths, including a prefix of the expected secret and the empty one', () => {
    expect(secretsEqual('s3cret', 's3cret-password-0001')).toBe(false);
    expect(secretsEqual('s3cret-password-00011', 's3cret-password-0001')).toBe(false);
    expect(secretsEqual('', 's3cret')).toBe(false);
    expect(secretsEqual('s3cret', '')).toBe(false);
    // text is compared as UTF-8 bytes: 'ä' is two bytes
    expect(secretsEqual('pa', 'ä')).toBe(false);
  });
});

describe('basicAuthHeader', () => {
  it.each([
    ['text', 'CP_1', 'secret-0123456789'],
    ['colons', 'CP_1', ':a:b:'],
    ['a colon in the identity', 'CP:01', 'pw:x'],
    ['non-ASCII text', 'Zürich-1', 'pässwörd'],
    ['binary bytes', 'CP_1', Buffer.from('00ff3a80ff00c3a9ffee0102030405060708090a', 'hex')],
  ])('round trip through basicAuthPassword: %s', (_name, identity, password) => {
    const header = basicAuthHeader(identity, password);
    expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    expect(basicAuthPassword(header, identity)).toEqual(Buffer.from(password));
    expect(basicAuthPassword(header, `${identity}x`)).toBeUndefined();
  });

  it('is Basic base64(identity:password)', () => {
    expect(basicAuthHeader('CP_1', 'a:b')).toBe(`Basic ${b64('CP_1:a:b')}`);
    expect(basicAuthHeader('CP_1', Buffer.from([0, 255]))).toBe(
      `Basic ${b64(Buffer.concat([Buffer.from('CP_1:'), Buffer.from([0, 255])]))}`,
    );
  });
});
