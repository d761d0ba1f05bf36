/** The error-code tables and the error classes. */
import { describe, expect, test } from 'vitest';
import {
  CallError,
  clampDescription,
  describeIssue,
  errorCodeFor,
  FAULT_CODES,
  type Fault,
  OcppError,
  schemaFault,
  sendableErrorCodes,
  V2_ERROR_CODES,
  V16_ERROR_CODES,
  wireErrorCode,
} from '../../src/errors.ts';

describe('error-code tables', () => {
  test('1.6 sends exactly its ten codes, with its spellings', () => {
    expect([...sendableErrorCodes('ocpp1.6')].sort()).toEqual(
      [
        'FormationViolation',
        'GenericError',
        'InternalError',
        'NotImplemented',
        'NotSupported',
        'OccurenceConstraintViolation',
        'PropertyConstraintViolation',
        'ProtocolError',
        'SecurityError',
        'TypeConstraintViolation',
      ].sort(),
    );
    expect(V16_ERROR_CODES).not.toContain('FormatViolation');
    expect(V16_ERROR_CODES).not.toContain('OccurrenceConstraintViolation');
  });

  test('2.x knows MessageTypeNotSupported but never sends it', () => {
    expect(V2_ERROR_CODES).toContain('MessageTypeNotSupported');
    for (const version of ['ocpp2.0.1', 'ocpp2.1'] as const) {
      const codes = sendableErrorCodes(version);
      expect(codes).toHaveLength(11);
      expect(codes).not.toContain('MessageTypeNotSupported');
      expect(codes).toContain('RpcFrameworkError');
      expect(codes).toContain('FormatViolation');
      expect(codes).toContain('OccurrenceConstraintViolation');
      expect(wireErrorCode(version, 'MessageTypeNotSupported')).toBe('RpcFrameworkError');
    }
  });

  test('every fault maps to a code each version may send', () => {
    for (const fault of Object.keys(FAULT_CODES) as Fault[]) {
      expect(sendableErrorCodes('ocpp1.6')).toContain(errorCodeFor('ocpp1.6', fault));
      expect(sendableErrorCodes('ocpp2.0.1')).toContain(errorCodeFor('ocpp2.0.1', fault));
      expect(errorCodeFor('ocpp2.1', fault)).toBe(errorCodeFor('ocpp2.0.1', fault));
    }
  });

  test.each([
    ['frame-unreadable', 'FormationViolation', 'RpcFrameworkError'],
    ['frame-malformed', 'FormationViolation', 'RpcFrameworkError'],
    ['payload-not-object', 'FormationViolation', 'FormatViolation'],
    ['unknown-action', 'NotImplemented', 'NotImplemented'],
    ['not-supported', 'NotSupported', 'NotSupported'],
    ['occurrence', 'OccurenceConstraintViolation', 'OccurrenceConstraintViolation'],
    ['type', 'TypeConstraintViolation', 'TypeConstraintViolation'],
    ['property', 'PropertyConstraintViolation', 'PropertyConstraintViolation'],
    ['format', 'FormationViolation', 'FormatViolation'],
    ['duplicate-id', 'ProtocolError', 'RpcFrameworkError'],
    ['handler-failed', 'InternalError', 'InternalError'],
    ['invalid-response', 'InternalError', 'InternalError'],
  ] as const)('%s → 1.6 %s, 2.x %s', (fault, v16, v2) => {
    expect(errorCodeFor('ocpp1.6', fault)).toBe(v16);
    expect(errorCodeFor('ocpp2.0.1', fault)).toBe(v2);
  });

  test.each([
    ['required', 'occurrence'],
    ['minItems', 'occurrence'],
    ['maxItems', 'occurrence'],
    ['type', 'type'],
    ['maxLength', 'type'],
    ['minLength', 'type'],
    ['enum', 'property'],
    ['const', 'property'],
    ['minimum', 'property'],
    ['maximum', 'property'],
    ['exclusiveMinimum', 'property'],
    ['exclusiveMaximum', 'property'],
    ['multipleOf', 'property'],
    ['format', 'property'],
    ['pattern', 'property'],
    ['additionalProperties', 'format'],
    ['oneOf', 'format'],
  ] as const)('schema keyword %s → %s', (keyword, fault) => {
    expect(schemaFault(keyword)).toBe(fault);
  });

  test('codes thrown by handlers are sent in the version spelling; unknown codes become GenericError', () => {
    expect(wireErrorCode('ocpp1.6', 'FormatViolation')).toBe('FormationViolation');
    expect(wireErrorCode('ocpp1.6', 'OccurrenceConstraintViolation')).toBe('OccurenceConstraintViolation');
    expect(wireErrorCode('ocpp1.6', 'RpcFrameworkError')).toBe('ProtocolError');
    expect(wireErrorCode('ocpp2.0.1', 'FormationViolation')).toBe('FormatViolation');
    expect(wireErrorCode('ocpp2.1', 'OccurenceConstraintViolation')).toBe('OccurrenceConstraintViolation');
    expect(wireErrorCode('ocpp2.1', 'SecurityError')).toBe('SecurityError');
    expect(wireErrorCode('ocpp1.6', 'Teapot')).toBe('GenericError');
    expect(wireErrorCode('ocpp2.0.1', 'toString')).toBe('GenericError');
  });
});

describe('descriptions', () => {
  test('at most 255 characters, no split surrogate pair', () => {
    expect(clampDescription('x'.repeat(300))).toHaveLength(255);
    const emoji = `${'x'.repeat(254)}⚡😀`;
    const clamped = clampDescription(`${'x'.repeat(254)}😀tail`);
    expect(clamped).toBe('x'.repeat(254));
    expect(clampDescription(emoji)).toBe(`${'x'.repeat(254)}⚡`);
    expect(new OcppError('GenericError', 'y'.repeat(400)).description).toHaveLength(255);
  });

  test('describeIssue names the place and the rule, never the value', () => {
    expect(describeIssue({ keyword: 'required', instancePath: '', params: { missingProperty: 'idTag' } })).toBe(
      'payload: missing required property "idTag"',
    );
    expect(describeIssue({ keyword: 'maxLength', instancePath: '/idTag', params: { limit: 20 } })).toBe(
      '/idTag: must not be longer than 20 characters',
    );
    expect(describeIssue({ keyword: 'minimum', instancePath: '/a', params: { comparison: '>=', limit: 0 } })).toBe(
      '/a: must be >= 0',
    );
    // the name of an unknown property is the peer's text: never echoed
    const unknown = describeIssue({
      keyword: 'additionalProperties',
      instancePath: '',
      params: { additionalProperty: 'x'.repeat(400) },
    });
    expect(unknown).toBe('payload: has a property the schema does not allow');
    expect(unknown).not.toContain('xxx');
    // a long instance path is cut to the 255 characters OCPP allows
    expect(
      describeIssue({ keyword: 'type', instancePath: `/${'a'.repeat(400)}`, params: { type: 'string' } }),
    ).toHaveLength(255);
  });
});

describe('error classes', () => {
  test('OcppError carries code, description and details', () => {
    const error = new OcppError('NotSupported', 'no', { a: 1 });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'OcppError', code: 'NotSupported', description: 'no', details: { a: 1 } });
    expect(new OcppError('GenericError').details).toEqual({});
  });

  test('CallError carries the call', () => {
    const error = new CallError('Reset', 'm1', 'NotSupported', 'nope', { x: 1 }, 'callresulterror');
    expect(error.message).toBe('Reset (m1) failed: NotSupported - nope');
    expect(error).toMatchObject({ action: 'Reset', messageId: 'm1', origin: 'callresulterror', details: { x: 1 } });
  });
});
