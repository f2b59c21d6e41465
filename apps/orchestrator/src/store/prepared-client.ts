import type { Sql } from 'postgres';

/**
 * A postgres.js client on which every statement is a named prepared statement, including inside
 * transactions and savepoints.
 *
 * Why: drizzle hands postgres.js `prepare: false` for every query not built with `.prepare(name)`.
 * postgres.js then asks the server to describe each parameterised statement before it can bind it:
 * two round trips, two socket writes and a parse per query, and no pipelining behind it. Prepared,
 * the server parses and plans a statement once per connection and each later run is one round
 * trip. The statements' texts are stable (id lists and multi-row writes travel as one jsonb
 * parameter), so the per-connection cache stays small; connections are recycled after
 * `max_lifetime`, which bounds it anyway.
 */
export function preparedClient<T extends Sql>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, parameters?: unknown[], options?: object) =>
          // biome-ignore lint/suspicious/noExplicitAny: postgres.js types its parameters per call site.
          target.unsafe(query, parameters as any, { ...options, prepare: true });
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          // The callback is last (an isolation mode or savepoint name may come first); it gets a
          // transaction client, which must prepare too.
          const last = args.length - 1;
          const callback = args[last] as (tx: Sql) => unknown;
          args[last] = (tx: Sql) => callback(preparedClient(tx));
          return (Reflect.get(target, property, receiver) as (...a: unknown[]) => unknown).apply(
            target,
            args,
          );
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
