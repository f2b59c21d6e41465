import { connect, type Socket } from 'node:net';
import postgres, { type Options, type PostgresType, type Sql } from 'postgres';

/**
 * The postgres.js pool, with the timeouts that keep a dead or stalled server from holding the
 * orchestrator up, and a way to drop every connection of a server that stopped answering.
 *
 * A frozen server (SIGSTOP, a stalled disk, a silent network) still completes TCP connections but
 * answers neither queries nor cancel requests, and a connection waiting on it waits until the
 * server resumes, or until TCP gives up (many minutes) if it never does. postgres.js can end a
 * whole client but not one connection, so the pool makes its sockets itself (its `socket`
 * option) and can destroy them; postgres.js then fails what was in flight on them
 * (CONNECTION_CLOSED, a 503) and opens new connections on demand.
 */

type Types = Record<string, PostgresType>;

/** Settings every connection of the pool starts with. */
export const SESSION_SETTINGS = {
  application_name: 'shoal-orchestrator',
  // random_page_cost: the hot rows are in memory, not on a spinning disk. At the default (4) the
  // planner joins a batch's rows (jsonb_to_recordset, estimated at 100) to `executions` and `jobs`
  // by scanning the whole table once it has a few thousand rows, dead versions included where
  // autovacuum is off; at 1.1 it looks each one up by primary key.
  random_page_cost: '1.1',
  // plan_cache_mode: statements are prepared once per connection (prepared-client.ts), and a
  // generic plan chosen while the tables were small (a scan) would stay for the connection's life
  // as they grow; a custom plan per run keeps following the tables, for a little planning.
  plan_cache_mode: 'force_custom_plan',
  // Far above what any statement Shoal sends takes (milliseconds): these only end what nobody
  // waits for any more, a runaway statement or a transaction whose client went silent, so that
  // it stops holding row locks and a connection slot. Not for migrations (their own connection).
  statement_timeout: 10_000,
  idle_in_transaction_session_timeout: 10_000,
};

/** Seconds. */
const CONNECT_TIMEOUT = 3;
/**
 * How long the probe waits for a fresh connection to answer `select 1`. Well past the API's 2 s
 * answer (which the deadline already gave): dropping every connection fails all that is in flight,
 * so it is for a server that is truly silent, not one that is slow under load.
 */
const PROBE_MS = 5_000;

export interface PgPool {
  readonly client: Sql<Types>;
  /**
   * Someone gave up waiting on the database. Probes it on a fresh connection; if that gets no
   * answer either, every connection of the pool is dropped. One probe at a time: a call while
   * one runs gets its outcome.
   */
  stalled(): Promise<void>;
  end(): Promise<void>;
}

export function openPgPool(url: string): PgPool {
  const sockets = new Set<Socket>();
  const common: Options<Types> & SocketOption = {
    onnotice: () => {},
    connect_timeout: CONNECT_TIMEOUT,
    connection: SESSION_SETTINGS,
    socket: (options) => track(sockets, open(options)),
    // postgres.js waits up to 20 s between reconnection attempts after repeated failures, and
    // queries wait with it; half a second at most brings the pool back soon after the server.
    backoff: (retries) => Math.min(0.05 * 2 ** retries, 0.5),
  };
  const client = postgres(url, { ...common, max: 10, idle_timeout: 30, max_lifetime: 30 * 60 });
  let probing: Promise<void> | undefined;

  /** False only when a fresh connection gets no answer at all in time. */
  const answers = async (): Promise<boolean> => {
    // Its own connect timeout is past PROBE_MS, so a server that takes the TCP connection but
    // never answers is found silent by the timer below rather than refused by the timeout.
    const probe = postgres(url, { ...common, max: 1, connect_timeout: PROBE_MS / 1_000 + 1 });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const silent = new Promise<false>((done) => {
        timer = setTimeout(() => done(false), PROBE_MS);
      });
      // Settled either way: when the timer wins, ending the probe below fails this query
      // (CONNECTION_DESTROYED), and an unhandled rejection would end the process.
      const answered = probe.unsafe('select 1').then(
        () => true,
        () => true,
      );
      return await Promise.race([answered, silent]);
    } catch {
      // Refused or ended: the pool's connections have failed on their own already.
      return true;
    } finally {
      clearTimeout(timer);
      void probe.end({ timeout: 0 }).catch(() => {});
    }
  };

  return {
    client,
    stalled() {
      probing ??= answers()
        .then((alive) => {
          if (alive) return;
          for (const socket of sockets) socket.destroy();
        })
        .finally(() => {
          probing = undefined;
        });
      return probing;
    },
    end: () => client.end({ timeout: 5 }),
  };
}

interface ParsedTarget {
  host: string[];
  port: number[];
  path?: string | false;
}

/** Documented in postgres.js's README ("Custom socket") but missing from its types. */
interface SocketOption {
  socket: (options: ParsedTarget) => Socket;
}

/** What postgres.js does itself without the `socket` option: one host after the other. */
let nextHost = 0;
function open(options: ParsedTarget): Socket {
  if (options.path) return connect(options.path);
  const i = nextHost++ % options.host.length;
  const [host, port] = [options.host[i] ?? 'localhost', options.port[i] ?? 5432];
  // postgres.js reads these for its error messages and the TLS server name.
  return Object.assign(connect(port, host), { host, port });
}

function track(sockets: Set<Socket>, socket: Socket): Socket {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
  return socket;
}
