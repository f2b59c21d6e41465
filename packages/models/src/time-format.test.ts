import { describe, expect, it } from 'vitest';
import { isoToNanos, nanosToIso } from './time.js';

/** Times as Go's RFC3339Nano writes them: no trailing zeros in the fraction, none at all for whole seconds. */
describe('nanosToIso writes as Go does', () => {
  it.each([
    [1695885781352803607n, '2023-09-28T07:23:01.352803607Z'],
    [1695885781352800000n, '2023-09-28T07:23:01.3528Z'],
    [1695885781500000000n, '2023-09-28T07:23:01.5Z'],
    [1695885781000000000n, '2023-09-28T07:23:01Z'],
    [0n, '1970-01-01T00:00:00Z'],
  ])('%s → %s, and back', (ns, iso) => {
    expect(nanosToIso(ns)).toBe(iso);
    expect(isoToNanos(iso)).toBe(ns);
  });
});
