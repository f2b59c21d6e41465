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
  return new BoundedStore(store, deadlineFor) as unknown as Store;
}

type Wrap = <T>(work: () => Promise<T>) => Promise<T>;

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

/**
 * The repositories with every method run through `wrap`, each repository wrapped when first read
 * (getters on the prototype, below). A view is made per API request, and most requests read one
 * or two repositories: wrapping all of them up front cost about as much as the rest of a
 * `GET /jobs/:id` outside the database.
 */
class WrappedRepos {
  protected readonly made = new Map<keyof Repos, unknown>();
  constructor(
    protected readonly repos: Repos,
    protected readonly wrap: Wrap,
  ) {}

  repo(name: keyof Repos): unknown {
    let made = this.made.get(name);
    if (made === undefined) {
      made = wrapRepo(this.repos[name], this.wrap);
      this.made.set(name, made);
    }
    return made;
  }
}
for (const name of Object.keys(REPOS) as Array<keyof Repos>) {
  Object.defineProperty(WrappedRepos.prototype, name, {
    get(this: WrappedRepos) {
      return this.repo(name);
    },
  });
}

/** A repository whose methods run through `wrap`; the wrappers are made as methods are read. */
function wrapRepo(repo: object, wrap: Wrap): unknown {
  return new Proxy(repo, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => wrap(() => value.apply(target, args) as Promise<unknown>);
    },
  });
}

const wrapRepos = (repos: Repos, wrap: Wrap): Repos => new WrappedRepos(repos, wrap) as unknown as Repos;

class BoundedStore extends WrappedRepos {
  readonly driver: Store['driver'];
  readonly warnings: Store['warnings'];

  constructor(
    private readonly store: Store,
    private readonly deadlineFor: () => Deadline,
  ) {
    const stalled = () => void store.stalled();
    super(store, (work) => deadlineFor().race(work, stalled));
    this.driver = store.driver;
    this.warnings = store.warnings;
  }

  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    const deadline = this.deadlineFor();
    const live = <R>(work: () => Promise<R>) =>
      deadline.expired() ? Promise.reject(deadline.error()) : work();
    return deadline.race(
      () =>
        this.store.transaction(async (tx) => {
          await armCommitGuard(tx, deadline);
          const result = await fn(wrapRepos(tx, live));
          // The request has been answered 503 by now: this makes the driver roll back.
          if (deadline.expired()) throw deadline.error();
          return result;
        }),
      () => void this.store.stalled(),
    );
  }

  ping(): Promise<void> {
    return this.wrap(() => this.store.ping());
  }

  stalled(): Promise<void> {
    return this.store.stalled();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
