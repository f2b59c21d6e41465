import { armCommitGuard } from './commit-guard.js';
import { Deadline, type Timers } from './deadline.js';
import type { Repos, Store } from './types.js';

/**
 * The store as an API request sees it: every call answers by the request's deadline or fails
 * Unavailable ("store unavailable: no answer within 2s"), a retryable 503, whatever the database
 * does meanwhile. The workers use the store itself: they have no client waiting and back off.
 *
 * A call that misses its deadline tells the store (`stalled`), which drops the connections that
 * are stuck waiting on the server, so none is reused in that state. A transaction arms the commit
 * guard first (commit-guard.ts); once its deadline has passed, each further call it makes fails,
 * and so does its end, so the driver rolls it back instead of sending COMMIT.
 */
export function bounded(store: Store, deadline: Deadline): Store {
  return view(store, () => deadline);
}

/** The store with a deadline of `ms` for each call on its own, for callers with no request. */
export function boundedCalls(store: Store, ms: number, timers: Timers): Store {
  return view(store, () => Deadline.after(ms, timers));
}

function view(store: Store, deadlineFor: () => Deadline): Store {
  const stalled = () => void store.stalled();
  const race = <T>(work: () => Promise<T>) => deadlineFor().race(work, stalled);
  return {
    ...wrapRepos(store, race),
    driver: store.driver,
    warnings: store.warnings,
    transaction(fn) {
      const deadline = deadlineFor();
      const live = <T>(work: () => Promise<T>) =>
        deadline.expired() ? Promise.reject(deadline.error()) : work();
      return deadline.race(
        () =>
          store.transaction(async (tx) => {
            await armCommitGuard(tx, deadline);
            const result = await fn(wrapRepos(tx, live));
            // The request has been answered 503 by now: this makes the driver roll back.
            if (deadline.expired()) throw deadline.error();
            return result;
          }),
        stalled,
      );
    },
    ping: () => race(() => store.ping()),
    stalled: () => store.stalled(),
    close: () => store.close(),
  };
}

/** Every repository, so that a repository added to Repos cannot be left out of the view. */
const REPOS: Record<keyof Repos, true> = {
  jobs: true,
  history: true,
  executions: true,
  evaluations: true,
  nodes: true,
  nodeStatus: true,
  outbox: true,
  scheduling: true,
  agentCursors: true,
  bulk: true,
  submissionTokens: true,
  commitGuard: true,
  counts: true,
};

type Wrap = <T>(work: () => Promise<T>) => Promise<T>;

/** Repositories whose methods run through `wrap`; the wrappers are made as methods are read. */
function wrapRepos(repos: Repos, wrap: Wrap): Repos {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(REPOS) as Array<keyof Repos>) {
    out[name] = new Proxy(repos[name], {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => wrap(() => value.apply(target, args) as Promise<unknown>);
      },
    });
  }
  return out as unknown as Repos;
}
