/**
 * Deterministic randomness for tie-breaking. The scheduler must be a pure function, so instead of
 * Math.random it hashes a key (seed, evaluation id, node, partition) into a number in [0, 1). The
 * same snapshot always yields the same plan, and different evaluations still spread their ties.
 */

/** FNV-1a over UTF-16 code units: tiny, and good enough to feed the mixer below. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** One round of mulberry32: spreads FNV's weak low bits over the whole word. */
function mix(seed: number): number {
  let t = (seed + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

/** A number in [0, 1) determined by the parts alone. */
export function seededUnit(...parts: readonly (string | number)[]): number {
  return mix(fnv1a(parts.join('\u0000')));
}
