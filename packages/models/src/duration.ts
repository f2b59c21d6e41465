import parse from 'parse-duration';

/**
 * Go-style durations (`500ms`, `40s`, `1m30s`, `1.5h`): the notation Bacalhau users write. The
 * format is checked strictly here; parse-duration does the arithmetic.
 */
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

export class DurationParseError extends Error {
  override readonly name = 'DurationParseError';
}

/** Milliseconds (fractions kept for sub-millisecond units). */
export function parseDurationMs(text: string): number {
  const value = GO_DURATION.test(text) ? parse(text, 'ms') : null;
  if (value === null || value === undefined || !Number.isFinite(value)) {
    throw new DurationParseError(
      `invalid duration ${JSON.stringify(text)}: use a number and a unit (ns, us, ms, s, m, h), e.g. 500ms or 1m30s`,
    );
  }
  return value;
}

export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(3))}s`;
  const m = Math.floor(s / 60);
  const rest = Number((s - m * 60).toFixed(3));
  return rest === 0 ? `${m}m` : `${m}m${rest}s`;
}
