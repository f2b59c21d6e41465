/**
 * NATS for tests: each suite spawns its own nats-server on a free port (never a shared one).
 *
 *   const nats = await startNatsServer({ jetstream: true });   // { url, port, stop(), restart() }
 *   const nc = await connect({ servers: nats.url });
 *   await nats.restart();   // same port and JetStream store: clients reconnect
 *   await nats.stop();      // kills the server, removes its temp dir
 *
 * The binary is $NATS_SERVER_BIN, else `nats-server` on PATH, else /usr/sbin/nats-server.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { findNatsServerBin, type NatsProcess, spawnNatsServer } from '@shoal/nats-server';
import { getFreePort } from './ports.js';
import { makeTempDir } from './tmp.js';

export { findNatsServerBin };

/** Why no nats-server can be spawned, or undefined when one can. */
export async function probeNats(): Promise<string | undefined> {
  const bin = findNatsServerBin();
  if (!bin) {
    const env = process.env.NATS_SERVER_BIN;
    return env
      ? `NATS_SERVER_BIN=${env} is not an executable file`
      : 'nats-server not found (NATS_SERVER_BIN unset, not on PATH, no /usr/sbin/nats-server)';
  }
  return new Promise((resolve) => {
    execFile(bin, ['--version'], { timeout: 5_000 }, (error) =>
      resolve(error ? `${bin} --version failed: ${error.message}` : undefined),
    );
  });
}

/** Servers still running when the test process exits are SIGKILLed. */
const running = new Set<NatsProcess>();
let exitHookInstalled = false;

function killOnExit(proc: NatsProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const each of running) each.kill();
    });
  }
  running.add(proc);
  void proc.ended.then(() => running.delete(proc));
}

export interface NatsServerOptions {
  /** Enable JetStream with a store in a temp dir (kept across restart()). */
  jetstream?: boolean;
  /** Extra command line arguments. */
  args?: string[];
  /** Readiness deadline per (re)start. Default 15 000 ms. */
  startTimeoutMs?: number;
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** Recent server output (stdout+stderr), for assertions and error messages. */
  output(): string;
  /** Stops the server (SIGTERM, SIGKILL after 5 s) and waits until it is ready again on the same port. */
  restart(): Promise<void>;
  /** Stops the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const bin = findNatsServerBin();
  if (!bin) throw new Error(`cannot start nats-server: ${await probeNats()}`);
  const dir = await makeTempDir('shoal-nats-');
  const log: string[] = [];
  const output = () => log.join('');
  let child: NatsProcess | undefined;
  let port = 0;
  const collect = (chunk: string) => {
    log.push(chunk);
    if (log.length > 200) log.splice(0, log.length - 200);
  };

  const launch = async (): Promise<void> => {
    child = undefined;
    const args = ['-a', '127.0.0.1', '-p', String(port), ...(options.args ?? [])];
    if (options.jetstream) args.push('-js', '-sd', join(dir.path, 'jetstream'));
    child = await spawnNatsServer(bin, args, {
      host: '127.0.0.1',
      port,
      startTimeoutMs: options.startTimeoutMs ?? 15_000,
      onOutput: collect,
    });
    killOnExit(child);
  };

  // The free port may be taken between choosing and binding it: retry a few times on a new one.
  for (let attempt = 1; ; attempt++) {
    port = await getFreePort();
    try {
      await launch();
      break;
    } catch (error) {
      await child?.stop();
      if (attempt >= 3 || !/address already in use/i.test(output())) {
        await dir.cleanup();
        throw error;
      }
    }
  }

  let stopped = false;
  return {
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    output,
    async restart() {
      if (stopped) throw new Error('restart() after stop()');
      await child?.stop();
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await child?.stop();
      await dir.cleanup();
    },
  };
}
