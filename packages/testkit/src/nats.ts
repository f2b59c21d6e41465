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
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { delimiter, join } from 'node:path';
import { getFreePort } from './ports.js';
import { killOnExit, stopProcess } from './process.js';
import { makeTempDir } from './tmp.js';
import { waitFor } from './wait.js';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Path of the nats-server binary, or undefined when there is none. */
export function findNatsServerBin(): string | undefined {
  const fromEnv = process.env.NATS_SERVER_BIN;
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  return isExecutable('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : undefined;
}

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

/** True when a NATS server on the port greets a new TCP connection with its INFO line. */
function natsGreets(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('INFO ')));
  });
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
  let child: ChildProcess | undefined;
  let port = 0;

  const launch = async (): Promise<void> => {
    const args = ['-a', '127.0.0.1', '-p', String(port), ...(options.args ?? [])];
    if (options.jetstream) args.push('-js', '-sd', join(dir.path, 'jetstream'));
    const proc = killOnExit(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    child = proc;
    const collect = (chunk: Buffer) => {
      log.push(chunk.toString());
      if (log.length > 200) log.splice(0, log.length - 200);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    const starting = new AbortController();
    // 'close' (not 'exit'): by then all of its output has been collected for the message.
    proc.once('close', (code, signal) => {
      starting.abort(new Error(`nats-server exited (code ${code}, signal ${signal}):\n${output()}`));
    });
    proc.once('error', (error) => starting.abort(error));
    await waitFor(() => natsGreets(port), {
      timeoutMs: options.startTimeoutMs ?? 15_000,
      intervalMs: 25,
      signal: starting.signal,
      message: () => `nats-server on 127.0.0.1:${port} to accept connections; output:\n${output()}`,
    });
  };

  // The free port may be taken between choosing and binding it: retry a few times on a new one.
  for (let attempt = 1; ; attempt++) {
    port = await getFreePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (child) await stopProcess(child);
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
      if (child) await stopProcess(child);
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) await stopProcess(child);
      await dir.cleanup();
    },
  };
}
