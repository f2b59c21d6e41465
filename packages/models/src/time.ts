/**
 * Time as the API carries it: int64 Unix nanoseconds in `bigint`, and RFC 3339 strings with nine
 * fractional digits for history events (`2023-09-28T07:23:01.352803607Z`).
 */

export type Nanos = bigint;

/** A clock that can be faked in tests. `now()` returns Unix nanoseconds. */
export interface Clock {
  now(): Nanos;
}

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Wall-clock time with sub-millisecond digits from the monotonic clock, so events stay ordered. */
export function systemClock(): Clock {
  const originMs = BigInt(Date.now());
  const originHr = process.hrtime.bigint();
  let last = 0n;
  return {
    now() {
      let t = originMs * NS_PER_MS + (process.hrtime.bigint() - originHr);
      if (t <= last) t = last + 1n;
      last = t;
      return t;
    },
  };
}

/** A clock for tests: starts at `start` and only moves when told to. */
export function manualClock(start: Nanos = 1_700_000_000n * NS_PER_S): Clock & {
  advance(ns: Nanos | number): void;
  set(ns: Nanos): void;
} {
  let t = start;
  return {
    now: () => t,
    advance(ns) {
      t += BigInt(ns);
    },
    set(ns) {
      t = ns;
    },
  };
}

export function nanosFromMillis(ms: number): Nanos {
  return BigInt(Math.trunc(ms)) * NS_PER_MS;
}

export function millisFromNanos(ns: Nanos): number {
  return Number(ns / NS_PER_MS);
}

export function secondsToNanos(s: number): Nanos {
  return BigInt(Math.round(s * 1000)) * NS_PER_MS;
}

/** RFC 3339 as Go's RFC3339Nano writes it: trailing zeros of the fraction dropped, and the fraction with them. */
export function nanosToIso(ns: Nanos): string {
  const seconds = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  let whole = seconds;
  if (frac < 0n) {
    frac += NS_PER_S;
    whole -= 1n;
  }
  const base = new Date(Number(whole) * 1000).toISOString().slice(0, 19);
  const digits = frac.toString().padStart(9, '0').replace(/0+$/, '');
  return digits === '' ? `${base}Z` : `${base}.${digits}Z`;
}

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses RFC 3339 with up to nine fractional digits; undefined when malformed. */
export function isoToNanos(text: string): Nanos | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt(ms) * NS_PER_MS + frac;
}
