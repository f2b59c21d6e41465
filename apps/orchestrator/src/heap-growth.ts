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
 * Applies the factor to this process. V8 reads it each time it sets the next collection's limit,
 * so setting it after start takes effect from the next full collection. Process-wide: it is for
 * processes that run an orchestrator (`shoal serve`, devstack).
 */
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
