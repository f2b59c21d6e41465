import { type Nanos, nanosToIso } from '@shoal/models';

/** `2023-09-28 07:23:01` (UTC): seconds are enough in a table; --wide and json show all digits. */
export function formatTime(ns: Nanos): string {
  if (ns <= 0n) return '';
  return nanosToIso(ns).slice(0, 19).replace('T', ' ');
}

/** The full RFC 3339 form with nanoseconds. */
export function formatTimeExact(ns: Nanos): string {
  return ns <= 0n ? '' : nanosToIso(ns);
}

/** History times arrive as RFC 3339 text: cut to seconds for the table. */
export function formatIsoTime(iso: string): string {
  return iso.length >= 19 ? iso.slice(0, 19).replace('T', ' ') : iso;
}
