/**
 * How long the store's calls take, for whoever measures it (the metrics in main.ts). Every
 * repository method already passes through `guard` (errors.ts) and every transaction through the
 * store's `transaction`, so timing there sees every query without touching any of them.
 */
export interface StoreCallTimer {
  /**
   * The recorder of one call site: `jobs.get`, `bulk.saveJobs`, `transaction`. Asked once per
   * call site and repository instance, on its first call; the recorder is called with seconds.
   */
  recorder(call: string): (seconds: number) => void;
}

/** Monotonic seconds, for measuring a call's duration (not a time of day). */
export const monotonicSeconds = (): number => performance.now() / 1000;
