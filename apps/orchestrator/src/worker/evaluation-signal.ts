import type { EvaluationRepo, Repos, Store } from '../store/index.js';

/**
 * Wakes the evaluation workers when a transaction that inserted an evaluation has committed, so
 * a job submitted, a report applied or a node that joined is scheduled now rather than at the
 * workers' next poll. The poll stays as the fallback (and serves other orchestrators' inserts).
 *
 * It decorates the store instead of asking every writer to remember to signal: an insert anywhere,
 * in a transaction or not, is seen. Never before the commit, or a worker could look too early.
 */
export function signallingStore(store: Store, onEvaluation: () => void): Store {
  const watch = (evaluations: EvaluationRepo, inserted: () => void): EvaluationRepo => ({
    ...evaluations,
    insert: async (evaluation) => {
      await evaluations.insert(evaluation);
      inserted();
    },
    insertMany: async (list) => {
      await evaluations.insertMany(list);
      if (list.length > 0) inserted();
    },
  });
  return {
    ...store,
    evaluations: watch(store.evaluations, onEvaluation),
    async transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
      let inserted = false;
      const result = await store.transaction((tx) =>
        fn({
          ...tx,
          evaluations: watch(tx.evaluations, () => {
            inserted = true;
          }),
        }),
      );
      if (inserted) onEvaluation();
      return result;
    },
  };
}
