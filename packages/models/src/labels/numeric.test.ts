import { describe, expect, it } from 'vitest';
import { numericMatches, parseSelectorsWithNumeric } from './numeric.js';
import { formatSelector } from './selector.js';

describe('label selectors with > and <', () => {
  it('splits numeric clauses off and keeps the rest, in (a,b) included', () => {
    const { selector, numeric } = parseSelectorsWithNumeric(['gpu>1,zone in (a,b),mem < 64', 'tier=web']);
    expect(numeric).toEqual([
      { key: 'gpu', op: 'gt', value: 1n },
      { key: 'mem', op: 'lt', value: 64n },
    ]);
    expect(formatSelector(selector)).toBe(
      formatSelector(parseSelectorsWithNumeric(['zone in (a,b),tier=web']).selector),
    );
  });

  it('matches present integer labels only', () => {
    const { numeric } = parseSelectorsWithNumeric(['gpu>1', 'gpu<4']);
    expect(numericMatches(numeric, { gpu: '2' })).toBe(true);
    expect(numericMatches(numeric, { gpu: '4' })).toBe(false);
    expect(numericMatches(numeric, { gpu: 'two' })).toBe(false);
    expect(numericMatches(numeric, {})).toBe(false);
  });

  it('refuses a value that is not an integer, naming where', () => {
    expect(() => parseSelectorsWithNumeric(['zone=a,gpu>x'])).toThrow(
      'label selector "zone=a,gpu>x": expected an integer after \'>\' at position 7: got "x"',
    );
  });
});
