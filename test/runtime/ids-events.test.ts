/** Message ids and the event emitter. */
import { describe, expect, test } from 'vitest';
import { Emitter } from '../../src/events.ts';
import { createMessageIdFactory } from '../../src/ids.ts';

describe('message ids', () => {
  test('unique within a factory and across factories, 1 to 36 characters', () => {
    const seen = new Set<string>();
    for (let f = 0; f < 50; f++) {
      const next = createMessageIdFactory();
      for (let i = 0; i < 200; i++) {
        const id = next();
        expect(id.length).toBeGreaterThanOrEqual(1);
        expect(id.length).toBeLessThanOrEqual(36);
        seen.add(id);
      }
    }
    expect(seen.size).toBe(50 * 200);
  });

  test('still within 36 characters after 2^53 ids', () => {
    const next = createMessageIdFactory();
    const prefix = next().slice(0, -1);
    expect((prefix + Number.MAX_SAFE_INTEGER.toString(36)).length).toBeLessThanOrEqual(36);
  });
});

describe('Emitter', () => {
  test('on, once, off, has', () => {
    const emitter = new Emitter<{ a: number; b: string }>();
    const seen: unknown[] = [];
    expect(emitter.has('a')).toBe(false);
    const listener = (n: number) => seen.push(n);
    emitter.on('a', listener);
    emitter.once('b', (s) => seen.push(s));
    expect(emitter.has('a')).toBe(true);
    emitter.emit('a', 1);
    emitter.emit('b', 'x');
    emitter.emit('b', 'y');
    emitter.off('a', listener);
    emitter.emit('a', 2);
    expect(seen).toEqual([1, 'x']);
    expect(emitter.has('a')).toBe(false);
    expect(emitter.has('b')).toBe(false);
  });

  test('a throwing listener is reported and the others still run', () => {
    const reported: unknown[] = [];
    const emitter = new Emitter<{ a: number }>((error, event) => reported.push([event, (error as Error).message]));
    const seen: number[] = [];
    emitter.on('a', () => {
      throw new Error('bad listener');
    });
    emitter.on('a', (n) => seen.push(n));
    emitter.emit('a', 7);
    expect(seen).toEqual([7]);
    expect(reported).toEqual([['a', 'bad listener']]);
  });

  test('a listener removed while emitting does not disturb the running emit', () => {
    const emitter = new Emitter<{ a: number }>();
    const seen: string[] = [];
    const second = () => seen.push('second');
    emitter.on('a', () => {
      seen.push('first');
      emitter.off('a', second);
    });
    emitter.on('a', second);
    emitter.emit('a', 1);
    emitter.emit('a', 2);
    expect(seen).toEqual(['first', 'second', 'first']);
  });
});
