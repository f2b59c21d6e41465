import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type NatsProcess, spawnNatsServer } from '@shoal/nats-server';
import type { Logger } from 'pino';
import { stopLeftoverServer } from './leftover-server.js';
import { findNatsServer } from './nats-binary.js';
import { choosePort, freePort } from './ports.js';
import { natsUrl } from './tcp.js';

/**
 * The nats-server the orchestrator runs itself when no --nats-url is given (Bacalhau embeds NATS in
 * its orchestrator; we supervise the real server instead). It is started on the configured port,
 * restarted with backoff whenever it dies (agents and the orchestrator's own client reconnect on
 * their own), and stopped with the orchestrator.
 */

/**
 * What goes in the server's config file besides where it listens: its `authorization` block (the
 * users and their permissions) and `tls`. A function, so a reload writes what is current.
 */
export type NatsServerSettings = () => Record<string, unknown>;

export interface NatsSupervisorOptions {
  /** Listen address: 127.0.0.1 unless agents on other machines must reach it. */
  host: string;
  /** 0, or a port that is already taken, means any free port (logged). */
  port: number;
  settings?: NatsServerSettings;
  /** Where the config file (mode 0600: it holds credentials) and the server's pid file go. */
  workDir: string;
  logger: Logger;
  /** Default: findNatsServer(). */
  bin?: string;
  /** Deadline for the server to accept connections, per (re)start. Default 15 000 ms. */
  startTimeoutMs?: number;
  /** Delay before the first restart, doubled per failure up to maxRestartDelayMs. Default 250 ms. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

export interface SupervisedNats {
  readonly url: string;
  readonly port: number;
  /** Restarts after the server died. */
  readonly restarts: number;
  /** The running server's pid; undefined while it is down. */
  pid(): number | undefined;
  /**
   * Rewrites the config from `settings` and has the server load it (SIGHUP), resolving once it
   * says it has: a user added is then able to log in, and a user removed is disconnected.
   */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** nats-server's own words once a reload has taken effect. */
const RELOADED = /Reloaded server configuration/;
const RELOAD_TIMEOUT_MS = 10_000;

/** A server that ran this long was healthy: its next crash restarts it without accumulated backoff. */
const STABLE_MS = 30_000;

export async function startNatsServer(options: NatsSupervisorOptions): Promise<SupervisedNats> {
  const supervisor = new NatsSupervisor(options.bin ?? findNatsServer(), options);
  await supervisor.start();
  return supervisor;
}

class NatsSupervisor implements SupervisedNats {
  port = 0;
  restarts = 0;
  private current: NatsProcess | undefined;
  private configFile: string | undefined;
  private stopping = false;
  /** Waiters for the next "Reloaded" line, in the order their SIGHUPs were sent. */
  private reloadWaiters: Array<() => void> = [];
  private reloads: Promise<void> = Promise.resolve();
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  // An orchestrator that exits without stop() must not leave its nats-server holding the port.
  private readonly killOnExit = () => this.current?.kill();

  constructor(
    private readonly bin: string,
    private readonly options: NatsSupervisorOptions,
  ) {}

  get url(): string {
    return natsUrl(this.options.host, this.port);
  }

  pid(): number | undefined {
    return this.current?.pid;
  }

  async start(): Promise<void> {
    const { host, workDir, logger } = this.options;
    process.on('exit', this.killOnExit);
    try {
      await mkdir(workDir, { recursive: true });
      await stopLeftoverServer({ pid: this.pidFile, owner: join(workDir, 'nats-server.owner') }, logger);
      this.configFile = await this.writeConfig();
      this.port = await this.choosePort();
      // The chosen port may be taken between the check and the bind: try another, a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.launch();
          break;
        } catch (error) {
          if (attempt >= 3 || !/address already in use/i.test((error as Error).message)) throw error;
          this.port = await freePort(host);
        }
      }
    } catch (error) {
      await this.cleanup();
      throw error;
    }
    logger.info({ url: this.url, pid: this.pid() }, 'nats-server started');
  }

  reload(): Promise<void> {
    // One at a time: each waits for the line its own SIGHUP produces.
    this.reloads = this.reloads.catch(() => {}).then(() => this.reloadOnce());
    return this.reloads;
  }

  private async reloadOnce(): Promise<void> {
    await this.writeConfig();
    const proc = this.current;
    // A server that is down reads the new file when it is restarted.
    if (proc?.pid === undefined) return;
    const reloaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reloadWaiters = this.reloadWaiters.filter((w) => w !== done);
        reject(new Error(`nats-server did not reload its configuration within ${RELOAD_TIMEOUT_MS} ms`));
      }, RELOAD_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.reloadWaiters.push(done);
    });
    process.kill(proc.pid, 'SIGHUP');
    await reloaded;
  }

  private onOutput = (chunk: string): void => {
    if (RELOADED.test(chunk)) this.reloadWaiters.shift()?.();
  };

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.restarting;
    await this.current?.stop();
    this.current = undefined;
    await this.cleanup();
    this.options.logger.info({ url: this.url }, 'nats-server stopped');
  }

  private get pidFile(): string {
    return join(this.options.workDir, 'nats-server.pid');
  }

  private async choosePort(): Promise<number> {
    const { host, port, logger } = this.options;
    const chosen = await choosePort(host, port);
    if (chosen.replaced) {
      logger.warn(
        { requested: port, port: chosen.port },
        'NATS port is already taken: nats-server listens on another free port instead (agents must use it)',
      );
    }
    return chosen.port;
  }

  /** Credentials go in a file only we can read, never on the command line (visible in `ps`). */
  private async writeConfig(): Promise<string> {
    const { settings = () => ({}), workDir } = this.options;
    const file = join(workDir, 'nats-server.conf');
    // nats-server reads JSON; JSON.stringify quotes whatever the secret contains. Written aside
    // and renamed, so a restart never reads half a file.
    await writeFile(`${file}.next`, JSON.stringify(settings()), { mode: 0o600 });
    await rename(`${file}.next`, file);
    return file;
  }

  private async launch(): Promise<void> {
    const { host, startTimeoutMs = 15_000 } = this.options;
    const args = ['-a', host, '-p', String(this.port), '-P', this.pidFile];
    if (this.configFile) args.push('-c', this.configFile);
    const proc = await spawnNatsServer(this.bin, args, {
      host,
      port: this.port,
      startTimeoutMs,
      onOutput: this.onOutput,
    });
    this.current = proc;
    const startedAt = Date.now();
    void proc.ended.then((how) => {
      if (this.current !== proc) return;
      this.current = undefined;
      if (this.stopping) return;
      if (Date.now() - startedAt > STABLE_MS) this.failures = 0;
      this.options.logger.error({ exit: how, output: proc.output() }, 'nats-server died: restarting it');
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    if (this.stopping) return;
    const { restartDelayMs = 250, maxRestartDelayMs = 10_000, logger } = this.options;
    const delay = Math.min(maxRestartDelayMs, restartDelayMs * 2 ** this.failures);
    this.failures++;
    this.timer = setTimeout(() => {
      this.restarting = this.launch().then(
        () => {
          this.restarts++;
          logger.info({ url: this.url, pid: this.pid(), restarts: this.restarts }, 'nats-server restarted');
        },
        (error: Error) => {
          if (this.stopping) return;
          logger.error({ err: error.message }, 'nats-server failed to restart: trying again');
          this.scheduleRestart();
        },
      );
    }, delay);
  }

  private async cleanup(): Promise<void> {
    process.off('exit', this.killOnExit);
    if (this.configFile) await rm(this.configFile, { force: true });
  }
}
