import { describe, expect, it } from 'vitest';
import { mismatches } from './shape.js';

describe('mismatches', () => {
  it('accepts extra keys and checks the named ones by type or value', () => {
    expect(mismatches({ a: 'x', b: 1n, extra: true }, { a: 'string', b: 'int64' })).toEqual([]);
    expect(mismatches({ a: 1 }, { a: 'string', b: { $eq: 2 } })).toEqual([
      '$.a: expected string, got 1',
      '$.b: missing',
    ]);
  });

  it('checks arrays item by item, their length, and absent keys', () => {
    expect(mismatches({ l: [{ n: 1 }, { n: 'x' }] }, { l: { $items: { n: 'number' }, $min: 3 } })).toEqual([
      '$.l: expected at least 3 items, got 2',
      '$.l[1].n: expected number, got "x"',
    ]);
    expect(mismatches({ k: 1 }, { k: { $absent: true } })).toEqual(['$.k: expected absent, got 1']);
    expect(mismatches({ t: '' }, { t: { $rfc3339: true } })).toEqual([
      '$.t: expected an RFC 3339 time, got ""',
    ]);
  });
});
