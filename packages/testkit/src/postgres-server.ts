/**
 * A private Postgres server for tests that must stop, freeze or restart the database, which the
 * shared one (DATABASE_URL) must never be:
 *
 *   const pg = await startPostgresServer();   // initdb + pg_ctl start, free port, temp dir
 *   const url = pg.url;                       // postgres://postgres@127.0.0.1:<port>/postgres
 *   await pg.freeze();  await pg.thaw();      // SIGSTOP / SIGCONT every server process
 *   await pg.stop();    await pg.start();     // pg_ctl stop -m fast / start, same port and data
 *   await pg.destroy();                       // stops it and removes its directory
 *
 * The binaries come from $PG_BIN_DIR, else /usr/lib/postgresql/15/bin. initdb refuses to run as
 * root, so under root every server command runs as the `postgres` user (runuser), and the
 * directory is handed to that user. A server still running when the test process exits is thawed
 * and stopped then.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getFreePort } from './ports.js';
import { makeTempDir } from './tmp.js';

const run = promisify(execFile);

export function postgresBinDir(): string {
  return process.env.PG_BIN_DIR || '/usr/lib/postgresql/15/bin';
}

const asRoot = () => process.getuid?.() === 0;

/** `bin args…`, as the postgres user when we are root. */
function command(bin: string, args: string[]): [string, string[]] {
  const path = join(postgresBinDir(), bin);
  return asRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

/** Why no private server can be started here, or undefined when one can. */
export async function probePostgresServer(): Promise<string | undefined> {
  const initdb = join(postgresBinDir(), 'initdb');
  if (!existsSync(initdb)) return `${initdb} not found (install postgresql, or set PG_BIN_DIR)`;
  try {
    const [bin, args] = command('pg_ctl', ['--version']);
    await run(bin, args, { timeout: 10_000 });
    return undefined;
  } catch (error) {
    return `cannot run pg_ctl${asRoot() ? ' as the postgres user' : ''}: ${(error as Error).message}`;
  }
}

export interface PostgresServer {
  readonly port: number;
  /** Its temp directory: data, log and unix socket. */
  readonly dir: string;
  /** The `postgres` database, user postgres, trust authentication. */
  readonly url: string;
  /** The postmaster's pid while running (from postmaster.pid). */
  pid(): number;
  /** SIGSTOP to the postmaster and every backend: a stalled disk or network, as clients see it. */
  freeze(): Promise<void>;
  /** SIGCONT to them all. */
  thaw(): Promise<void>;
  /** pg_ctl stop -m fast: sessions are ended, clients get errors, then refused connections. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Recent server log, for failure messages. */
  log(): Promise<string>;
  /** Thaws, stops (immediate) and removes the directory. Idempotent. */
  destroy(): Promise<void>;
}

export interface PostgresServerOptions {
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

const live = new Set<() => void>();
let exitHookInstalled = false;

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const why = await probePostgresServer();
  if (why) throw new Error(`cannot start a private Postgres: ${why}`);
  const dir = await makeTempDir('shoal-pg-');
  const data = join(dir.path, 'data');
  const logFile = join(dir.path, 'postgres.log');
  if (asRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    await chown(dir.path, uid, gid);
  }
  const pg = async (bin: string, args: string[]) => {
    const [file, argv] = command(bin, args);
    return run(file, argv, { timeout: 90_000 });
  };
  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await getFreePort();
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir.path,
    fsync: 'off',
    full_page_writes: 'off',
    ...options.settings,
  };
  const serverArgs = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  const ctl = (...args: string[]) => pg('pg_ctl', ['-D', data, ...args]);
  const start = async () => {
    await ctl('-l', logFile, '-w', '-t', '60', '-o', serverArgs, 'start');
  };
  const pid = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const thawSync = () => {
    try {
      const postmaster = pid();
      signalAll([...childrenOf(postmaster), postmaster], 'SIGCONT');
    } catch {
      // Not running: nothing to thaw.
    }
  };
  const emergencyStop = () => {
    thawSync();
    try {
      const [file, argv] = command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      execFileSync(file, argv, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // Already stopped.
    }
  };
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const stop of live) stop();
    });
  }
  try {
    await start();
  } catch (error) {
    await dir.cleanup();
    throw new Error(`pg_ctl start failed: ${(error as Error).message}`, { cause: error });
  }
  live.add(emergencyStop);
  let destroyed = false;
  return {
    port,
    dir: dir.path,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid,
    async freeze() {
      // The postmaster first, so that it forks no new backend while they are being stopped.
      const postmaster = pid();
      signalAll([postmaster], 'SIGSTOP');
      signalAll(childrenOf(postmaster), 'SIGSTOP');
    },
    async thaw() {
      thawSync();
    },
    async stop() {
      await ctl('-m', 'fast', '-w', '-t', '60', 'stop');
    },
    start,
    async log() {
      return (await run('tail', ['-n', '60', logFile]).catch(() => ({ stdout: '' }))).stdout;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      live.delete(emergencyStop);
      emergencyStop();
      await dir.cleanup();
    },
  };
}

/** The pids whose parent is `parent` (every backend and auxiliary process of a postmaster). */
function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid …`: comm may contain spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}
