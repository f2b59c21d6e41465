import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killOnExit } from '@shoal/testkit';
import type { FleetOptions, FleetStats } from './sim-fleet.js';

/**
 * The node simulator, seen from the benchmark: a child process (sim-child.ts) driven over IPC.
 * It is a process of its own so that the orchestrator, which runs in the benchmark's process,
 * can be measured with process.cpuUsage() without the simulator's CPU in it, and so that the two
 * do not share one event loop (a busy simulator would delay the orchestrator's timers and look
 * like orchestrator latency).
 */

export type SimCommand =
  | { op: 'start'; options: FleetOptions }
  | { op: 'stats' }
  | { op: 'mark' }
  | { op: 'runs' }
  | { op: 'shrink'; keep: number }
  | { op: 'stop' };

/** What each command answers. */
export interface SimAnswers {
  start: null;
  stats: FleetStats & { cpu: NodeJS.CpuUsage; rssBytes: number };
  mark: null;
  runs: Map<string, number>;
  shrink: null;
  stop: null;
}

export type SimReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export class SimRemote {
  private readonly waiting = new Map<number, (reply: SimReply) => void>();
  private nextId = 0;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: SimReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    child.on('exit', (code, signal) => {
      const error = `node simulator exited (${signal ?? code})`;
      for (const [id, answer] of this.waiting) answer({ id, ok: false, error });
      this.waiting.clear();
    });
  }

  /** Forks the simulator with this process's node flags (tsx, source conditions, heap sizes). */
  static spawn(): SimRemote {
    const entry = fileURLToPath(new URL('./sim-child.ts', import.meta.url));
    const child = fork(entry, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new SimRemote(killOnExit(child));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call<K extends SimCommand['op']>(command: Extract<SimCommand, { op: K }>): Promise<SimAnswers[K]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) =>
        reply.ok ? resolve(reply.value as SimAnswers[K]) : reject(new Error(reply.error)),
      );
      this.child.send({ id, command });
    });
  }

  /** Stops the fleet, then the process. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((done) => this.child.once('exit', done));
    await this.call({ op: 'stop' }).catch(() => undefined);
    this.child.disconnect();
    await exited;
  }
}
