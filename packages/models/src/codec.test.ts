import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_JSON_DEPTH, decodeJson, encodeJson, JsonSyntaxError } from './codec.js';
import { isoToNanos, manualClock, nanosToIso, systemClock } from './time.js';

describe('JSON codec', () => {
  it('round-trips 1695883778909107178 digit for digit', () => {
    const text = '{"CreateTime":1695883778909107178,"ModifyTime":1695883779369191994}';
    const value = decodeJson(text) as { CreateTime: bigint; ModifyTime: bigint };
    expect(value.CreateTime).toBe(1695883778909107178n);
    expect(value.ModifyTime).toBe(1695883779369191994n);
    expect(encodeJson(value)).toBe(text);
  });

  it('shows what JSON.parse would lose', () => {
    expect(String(JSON.parse('1695883778909107178'))).not.toBe('1695883778909107178');
  });

  it('keeps safe integers and decimals as numbers', () => {
    expect(decodeJson('{"a":1,"b":2.5,"c":-3,"d":9007199254740991}')).toEqual({
      a: 1,
      b: 2.5,
      c: -3,
      d: 9007199254740991,
    });
  });

  it('writes bigint values as bare literals, nested and in arrays', () => {
    expect(encodeJson({ x: [1n, { y: 18446744073709551615n }] })).toBe(
      '{"x":[1,{"y":18446744073709551615}]}',
    );
  });

  it('drops undefined like JSON.stringify and honours indentation', () => {
    expect(encodeJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(encodeJson({ b: 1 }, 2)).toBe('{\n  "b": 1\n}');
  });

  it('reports malformed JSON with a position', () => {
    try {
      decodeJson('{"a": 1,');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(JsonSyntaxError);
      expect((error as JsonSyntaxError).message).toMatch(/^invalid JSON/);
    }
  });
});

describe('JSON nesting depth', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const depthError = (text: string, maxDepth?: number): JsonSyntaxError => {
    try {
      decodeJson(text, maxDepth === undefined ? {} : { maxDepth });
    } catch (error) {
      if (error instanceof JsonSyntaxError) return error;
      throw error;
    }
    throw new Error('expected a depth error');
  };

  it('accepts exactly the limit and refuses one level more, with the position', () => {
    expect(decodeJson(nested(3), { maxDepth: 3 })).toEqual([[[]]]);
    const error = depthError('{"a":[[{}]]}', 3);
    expect(error.message).toBe('nested deeper than 3 levels (at position 7)');
    expect(error.position).toBe(7);
  });

  it("refuses a body that would overflow the parser's stack, before parsing it", () => {
    expect(depthError(nested(100_000)).message).toBe(
      `nested deeper than ${DEFAULT_MAX_JSON_DEPTH} levels (at position ${DEFAULT_MAX_JSON_DEPTH})`,
    );
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = `{"a":"[[[[{{{{\\"[[[[","b":"\\\\","c":[1]}`;
    expect(decodeJson(text, { maxDepth: 2 })).toEqual({ a: '[[[[{{{{"[[[[', b: '\\', c: [1] });
  });

  it('leaves syntax errors to the parser', () => {
    expect(depthError('{"a": [', 5).message).toMatch(/^invalid JSON/);
  });
});

describe('time', () => {
  it('formats nanoseconds as RFC 3339 with nine digits and parses them back', () => {
    const ns = 1695885781352803607n;
    const iso = nanosToIso(ns);
    expect(iso).toBe('2023-09-28T07:23:01.352803607Z');
    expect(isoToNanos(iso)).toBe(ns);
    expect(isoToNanos('2023-09-28T07:23:01Z')).toBe(1695885781000000000n);
    expect(isoToNanos('yesterday')).toBeUndefined();
  });

  it('has a system clock that never goes backwards', () => {
    const clock = systemClock();
    let last = clock.now();
    for (let i = 0; i < 1000; i++) {
      const t = clock.now();
      expect(t > last).toBe(true);
      last = t;
    }
    expect(Number(last / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('has a manual clock for tests', () => {
    const clock = manualClock(10n);
    clock.advance(5);
    expect(clock.now()).toBe(15n);
  });
});
