import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection, in percent.
 *
 * Left to itself V8 picks the factor from how fast it collects against how fast the program
 * allocates, up to 4×. Under a burst of submissions it picks 4× (each request's body, job and
 * answer live long enough to be promoted, and a page of 1,000 jobs is a string large enough to go
 * straight to the old generation): on Postgres, an orchestrator with about 30 MB of live objects
 * held 130–140 MB of heap after 10,000 jobs, which V8 gives back only once the process has been
 * idle a while. At 2× it held 85 MB, for a few more full collections (one bench:memory run each:
 * 0.35 s of full-collection pauses over the 10,000 jobs instead of 0.23 s; at 1.5×, 72 MB for 1.1 s).
 *
 * A factor, not a ceiling (--max-old-space-size): a heap that truly needs more, 10,000 nodes or a
 * burst of large lists, still grows, collected more often, instead of the process dying.
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * With the embedded store, Postgres itself lives in the process (its WebAssembly memory, about 30
 * MB resident, never shrinks), so the heap gets less room: at 1.5× an orchestrator on PGlite held
 * 184–191 MB after 10,000 jobs against 202 MB at 2× (bench:memory, one run each, with the young
 * generation at 8 MB as `./shoal` sets it), for more full collections. On Postgres the factor stays
 * 2×: the database's memory is another process's.
 */
export const PGLITE_HEAP_GROWING_PERCENT = 50;

/** The factor for an orchestrator whose store is `driver`. */
export function heapGrowingPercentFor(driver: 'postgres' | 'pglite'): number {
  return driver === 'pglite' ? PGLITE_HEAP_GROWING_PERCENT : HEAP_GROWING_PERCENT;
}

/**
 * Applies the factor to this process. V8 reads it each time it sets the next collection's limit,
 * so setting it after start takes effect from the next full collection. Process-wide: it is for
 * processes that run an orchestrator (`shoal serve`, devstack).
 */
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
