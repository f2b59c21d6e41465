/** Child processes started by tests: never outlive the test process, stop gracefully. */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILLs `child` if the test process exits while it still runs. Returns `child`. */
export function killOnExit<T extends ChildProcess>(child: T): T {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const proc of running) proc.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** SIGTERM, SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}
