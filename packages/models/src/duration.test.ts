import { describe, expect, it } from 'vitest';
import { DurationParseError, formatDurationMs, parseDurationMs } from './duration.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['40s', 40_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['250us', 0.25],
    ['0s', 0],
  ])('parses %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '10', 's', '-1s', '1 s', '1d', 'ten seconds', '1s2', 'Infinity', '1e3s'])(
    'refuses %j',
    (text) => {
      expect(() => parseDurationMs(text)).toThrow(DurationParseError);
    },
  );

  it('formats durations for people', () => {
    expect(formatDurationMs(500)).toBe('500ms');
    expect(formatDurationMs(40_000)).toBe('40s');
    expect(formatDurationMs(90_000)).toBe('1m30s');
    expect(formatDurationMs(120_000)).toBe('2m');
  });
});
