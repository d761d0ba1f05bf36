/** parseFrame and the serialisers. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  FrameFault,
  parseFrame,
  serializeCall,
  serializeCallError,
  serializeCallResult,
  serializeSend,
} from '../../src/framing.ts';
import type { Subprotocol } from '../../src/protocol.ts';

const VERSIONS: Subprotocol[] = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'];

function fault(text: string, version: Subprotocol = 'ocpp1.6'): FrameFault {
  const result = parseFrame(text, version);
  if (!(result instanceof FrameFault)) throw new Error(`expected a fault for ${text}`);
  return result;
}

describe('parseFrame', () => {
  test('valid frames come back as the parsed array', () => {
    expect(parseFrame('[2,"a","Heartbeat",{}]', 'ocpp1.6')).toEqual([2, 'a', 'Heartbeat', {}]);
    expect(parseFrame('[3,"a",{"x":1}]', 'ocpp1.6')).toEqual([3, 'a', { x: 1 }]);
    expect(parseFrame('[4,"a","GenericError","",{}]', 'ocpp2.0.1')).toEqual([4, 'a', 'GenericError', '', {}]);
    expect(parseFrame('[5,"a","FormatViolation","d",{}]', 'ocpp2.1')).toEqual([5, 'a', 'FormatViolation', 'd', {}]);
    expect(parseFrame('[6,"a","NotifyPeriodicEventStream",{}]', 'ocpp2.1')).toEqual([
      6,
      'a',
      'NotifyPeriodicEventStream',
      {},
    ]);
  });

  test('5 and 6 are unknown message types outside 2.1', () => {
    for (const version of ['ocpp1.6', 'ocpp2.0.1'] as const) {
      expect(fault('[5,"a","FormatViolation","",{}]', version)).toMatchObject({ kind: 'unknown-type', messageType: 5 });
      expect(fault('[6,"a","X",{}]', version)).toMatchObject({ kind: 'unknown-type', messageType: 6, messageId: 'a' });
    }
    expect(fault('[7,"a"]', 'ocpp2.1')).toMatchObject({ kind: 'unknown-type', messageType: 7 });
  });

  test.each([
    ['not JSON', '[2,"a"', 'frame-unreadable', '-1'],
    ['an object', '{"a":1}', 'frame-unreadable', '-1'],
    ['a string', '"hello"', 'frame-unreadable', '-1'],
    ['empty array', '[]', 'frame-unreadable', '-1'],
    ['type a string', '["2","abc","Heartbeat",{}]', 'frame-unreadable', 'abc'],
    ['type fractional', '[2.5,"abc","Heartbeat",{}]', 'frame-unreadable', 'abc'],
    ['type null, id unreadable', '[null,7]', 'frame-unreadable', '-1'],
    ['CALL arity 3', '[2,"abc","Heartbeat"]', 'frame-malformed', 'abc'],
    ['CALL arity 5', '[2,"abc","Heartbeat",{},1]', 'frame-malformed', 'abc'],
    ['CALL id number', '[2,1,"Heartbeat",{}]', 'frame-malformed', '-1'],
    ['CALL id empty', '[2,"","Heartbeat",{}]', 'frame-malformed', '-1'],
    ['CALL id 37 chars', `[2,"${'i'.repeat(37)}","Heartbeat",{}]`, 'frame-malformed', '-1'],
    ['CALL action number', '[2,"abc",1,{}]', 'frame-malformed', 'abc'],
    ['CALL payload null', '[2,"abc","Heartbeat",null]', 'payload-not-object', 'abc'],
    ['CALL payload array', '[2,"abc","Heartbeat",[]]', 'payload-not-object', 'abc'],
    ['CALLRESULT arity', '[3,"abc"]', 'frame-malformed', 'abc'],
    ['CALLRESULT payload string', '[3,"abc","x"]', 'payload-not-object', 'abc'],
    ['CALLERROR arity', '[4,"abc","GenericError",""]', 'frame-malformed', 'abc'],
    ['CALLERROR code number', '[4,"abc",1,"",{}]', 'frame-malformed', 'abc'],
    ['CALLERROR description null', '[4,"abc","GenericError",null,{}]', 'frame-malformed', 'abc'],
    ['CALLERROR details array', '[4,"abc","GenericError","",[]]', 'frame-malformed', 'abc'],
  ])('%s → %s, id %s', (_name, text, kind, id) => {
    expect(fault(text)).toMatchObject({ kind, messageId: id });
  });

  test('an id of 36 characters is accepted', () => {
    const id = 'i'.repeat(36);
    expect(parseFrame(`[2,"${id}","Heartbeat",{}]`, 'ocpp1.6')).toEqual([2, id, 'Heartbeat', {}]);
  });

  test('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          for (const version of VERSIONS) {
            const result = parseFrame(text, version);
            if (result instanceof FrameFault) {
              expect(result.messageId.length).toBeGreaterThan(0);
              expect(result.messageId.length).toBeLessThanOrEqual(36);
            } else {
              expect(Array.isArray(result)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('round trip: what the serialisers write parses back to the same frame', () => {
    const id = fc.string({ minLength: 1, maxLength: 36 });
    const payload = fc.dictionary(fc.string(), fc.jsonValue());
    fc.assert(
      fc.property(id, fc.string(), payload, (messageId, action, p) => {
        expect(parseFrame(serializeCall(messageId, action, p), 'ocpp1.6')).toEqual(
          JSON.parse(JSON.stringify([2, messageId, action, p])),
        );
        expect(parseFrame(serializeCallResult(messageId, p), 'ocpp2.0.1')).toEqual(
          JSON.parse(JSON.stringify([3, messageId, p])),
        );
        expect(parseFrame(serializeSend(messageId, action, p), 'ocpp2.1')).toEqual(
          JSON.parse(JSON.stringify([6, messageId, action, p])),
        );
        expect(parseFrame(serializeCallError(messageId, 'GenericError', action, p, 5), 'ocpp2.1')).toEqual(
          JSON.parse(JSON.stringify([5, messageId, 'GenericError', action, p])),
        );
      }),
      { numRuns: 200 },
    );
  });
});
