import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';

/**
 * A nats-server left running by an orchestrator that was SIGKILLed (no exit hook runs then). It
 * would hold the NATS port with the agents still connected to it, and a restarted orchestrator
 * would start its own server elsewhere and never hear from them. The server writes its pid
 * to a file in the data directory, and we write ours beside it; the next start stops that server if
 * it still is a nats-server and the orchestrator that owned it is gone (a live one keeps its own).
 */
export async function stopLeftoverServer(
  files: { pid: string; owner: string },
  logger: Logger,
): Promise<void> {
  const pid = readPid(files.pid);
  const owner = readPid(files.owner);
  if (pid !== undefined && isNatsServer(pid)) {
    if (owner !== undefined && owner !== process.pid && alive(owner)) {
      logger.warn(
        { pid, owner },
        'another orchestrator on this data directory runs a nats-server: leaving it',
      );
      return;
    }
    logger.warn({ pid }, 'stopping the nats-server left running by a previous orchestrator');
    await terminate(pid);
  }
  await rm(files.pid, { force: true });
  await writeFile(files.owner, `${process.pid}\n`);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Only a process that runs nats-server: the pid may have been reused by anything since. */
function isNatsServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.endsWith('nats-server') === true;
  } catch {
    return false;
  }
}

/**
 * Running, and not a zombie: a killed orchestrator whose parent died too waits to be reaped by
 * init, which some inits (this VM's) do late, and `kill(pid, 0)` still succeeds on it.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces or parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function terminate(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 5_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 25));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}
