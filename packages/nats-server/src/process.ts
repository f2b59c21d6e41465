import { spawn } from 'node:child_process';
import { clientHost, natsGreets } from './tcp.js';

/** One nats-server process: spawned, awaited until it greets clients, and stopped. */

export interface NatsProcess {
  readonly pid: number | undefined;
  /** Settles with how it ended ("code 1, signal null") once it has exited. */
  readonly ended: Promise<string>;
  /** Its recent output, for error messages. */
  output(): string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, synchronously (for a process exit hook). */
  kill(): void;
}

const OUTPUT_CHUNKS = 40;

/**
 * Spawns nats-server listening on host:port and resolves once it answers a client with its INFO
 * line (an open port alone may be someone else's). Rejects, with the server's output, if it exits
 * or stays silent past the deadline (then it is killed).
 */
export async function spawnNatsServer(
  bin: string,
  args: readonly string[],
  probe: {
    host: string;
    port: number;
    startTimeoutMs: number;
    /** Receives every chunk of its output (stdout and stderr), e.g. to keep a longer log. */
    onOutput?: (chunk: string) => void;
  },
): Promise<NatsProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  const collect = (data: Buffer) => {
    const chunk = data.toString();
    probe.onOutput?.(chunk);
    chunks.push(chunk);
    if (chunks.length > OUTPUT_CHUNKS) chunks.splice(0, chunks.length - OUTPUT_CHUNKS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exit: string | undefined;
  const ended = new Promise<string>((settle) => {
    // 'close' rather than 'exit': by then its last words have been collected.
    child.once('close', (code, signal) => {
      exit ??= `code ${code}, signal ${signal}`;
      settle(exit);
    });
    child.once('error', (error) => {
      exit ??= error.message;
      settle(exit);
    });
  });
  const output = () => chunks.join('').slice(-2_000);
  const proc: NatsProcess = {
    pid: child.pid,
    ended,
    output,
    async stop(graceMs = 5_000) {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await ended;
      clearTimeout(killer);
    },
    kill: () => {
      child.kill('SIGKILL');
    },
  };

  const deadline = Date.now() + probe.startTimeoutMs;
  while (exit === undefined && Date.now() < deadline) {
    if (await natsGreets(clientHost(probe.host), probe.port, 500)) return proc;
    await new Promise((done) => setTimeout(done, 25));
  }
  const why =
    exit === undefined ? `did not accept connections within ${probe.startTimeoutMs} ms` : `exited (${exit})`;
  await proc.stop(0);
  throw new Error(`nats-server on ${probe.host}:${probe.port} ${why}; its output:\n${output()}`);
}
