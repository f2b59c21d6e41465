import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';

/**
 * One supervised child process of devstack. Its stdout and stderr go straight to a log file (the
 * file descriptor is handed to the child, so its output survives whatever happens to devstack and
 * nothing is interleaved on the terminal). It runs in its own process group: Ctrl-C on the
 * terminal reaches devstack alone, which then stops the children in order (agents before the
 * orchestrator). Until `supervise()` an exit is only reported through `exited`; afterwards an
 * unexpected exit is restarted with exponential backoff, reset once a run lasted `stableMs`.
 */

export interface ChildSpec {
  name: string;
  command: string;
  /** Asked again at every (re)start: a restarted agent may need a new NATS URL. */
  args: () => string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A run at least this long was healthy: the next crash starts the backoff over. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 15_000, stableMs: 30_000 };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** A spawn failure (command not found). */
  error?: string;
}

export type ChildEvent =
  | { type: 'exited'; name: string; exit: Exit; restartInMs: number }
  | { type: 'restarted'; name: string; pid: number };

export function describeExit(exit: Exit): string {
  if (exit.error) return `could not start: ${exit.error}`;
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

export class SupervisedChild {
  private child: ChildProcess | undefined;
  private offset = 0;
  private startedAt = 0;
  private failures = 0;
  private supervising = false;
  private stopping = false;
  /** The current run is being stopped by restart(): start the next one at once, no backoff. */
  private planned = false;
  private timer: NodeJS.Timeout | undefined;
  private exitOf = new WeakMap<ChildProcess, Promise<Exit>>();

  constructor(
    readonly spec: ChildSpec,
    private readonly onEvent: (event: ChildEvent) => void = () => {},
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** The running child's pid; undefined between a crash and its restart. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Resolves when the current run ends (for watching a start-up). */
  get exited(): Promise<Exit> {
    return this.child ? (this.exitOf.get(this.child) ?? Promise.resolve(idle)) : Promise.resolve(idle);
  }

  start(): void {
    const fd = openSync(this.spec.logFile, 'a');
    try {
      const args = this.spec.args();
      writeSync(fd, `\n=== ${new Date().toISOString()} devstack starts ${this.name}: ${args.join(' ')}\n`);
      this.offset = statSync(this.spec.logFile).size;
      this.startedAt = Date.now();
      const child = spawn(this.spec.command, args, {
        stdio: ['ignore', fd, fd],
        detached: true,
        env: this.spec.env ?? process.env,
      });
      this.child = child;
      const exited = new Promise<Exit>((resolve) => {
        child.once('error', (error) => resolve({ code: null, signal: null, error: error.message }));
        child.once('exit', (code, signal) => resolve({ code, signal }));
      });
      this.exitOf.set(child, exited);
      void exited.then((exit) => this.ended(child, exit));
    } finally {
      closeSync(fd);
    }
  }

  /** What the current run wrote so far. */
  output(): string {
    try {
      return readFileSync(this.spec.logFile).subarray(this.offset).toString('utf8');
    } catch {
      return '';
    }
  }

  /** From now on, an unexpected exit is restarted. */
  supervise(): void {
    this.supervising = true;
  }

  /** Stops the current run (SIGTERM, SIGKILL after graceMs); supervision starts it again. */
  async restart(graceMs: number): Promise<void> {
    this.planned = this.pid !== undefined;
    await this.terminate(graceMs);
  }

  /** Stops for good: no restart, SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs: number): Promise<Exit> {
    this.stopping = true;
    clearTimeout(this.timer);
    return this.terminate(graceMs);
  }

  /** SIGKILL at once, synchronously (exit hooks, a second Ctrl-C). */
  kill(): void {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.pid !== undefined) this.child?.kill('SIGKILL');
  }

  private async terminate(graceMs: number): Promise<Exit> {
    const child = this.child;
    if (!child || this.pid === undefined) return idle;
    const exited = this.exited;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const exit = await exited;
    clearTimeout(killer);
    return exit;
  }

  private ended(child: ChildProcess, exit: Exit): void {
    if (child !== this.child || this.stopping || !this.supervising) return;
    if (this.planned) {
      this.planned = false;
      this.respawn();
      return;
    }
    if (Date.now() - this.startedAt >= this.backoff.stableMs) this.failures = 0;
    this.scheduleRestart(exit);
  }

  private scheduleRestart(exit: Exit): void {
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.failures);
    this.failures++;
    this.onEvent({ type: 'exited', name: this.name, exit, restartInMs: delay });
    this.timer = setTimeout(() => {
      if (!this.stopping) this.respawn();
    }, delay);
  }

  private respawn(): void {
    try {
      this.start();
    } catch (error) {
      // The log file cannot be opened (its directory was removed?): keep trying, with backoff.
      this.scheduleRestart({ code: null, signal: null, error: (error as Error).message });
      return;
    }
    if (this.child?.pid !== undefined)
      this.onEvent({ type: 'restarted', name: this.name, pid: this.child.pid });
  }
}

const idle: Exit = { code: null, signal: null };
