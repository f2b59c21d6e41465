import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Where a benchmark's CPU went, per part of the system, read from /proc (Linux only; elsewhere
 * every part reads as unknown). A process that exits before the end is left out (a database
 * connection closed as idle), so the figures are lower bounds, never inflated.
 */

export interface CpuPart {
  name: string;
  /** The part's processes now. */
  find(): number[];
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds a process has used, or undefined if it is gone (or not Linux). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Processes whose command line contains every one of `needles`. */
export function pidsMatching(...needles: string[]): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      return needles.every((n) => cmdline.includes(n));
    } catch {
      return false;
    }
  });
}

export interface CpuAccount {
  /** CPU seconds per part since `startCpuAccount`; undefined where no process could be read. */
  finish(): Array<{ name: string; seconds: number | undefined }>;
}

/**
 * Starts counting. Each part's processes are looked up at the start and again at the end: one
 * that appeared in between (a pooled database connection opened under load) counts in full.
 */
export function startCpuAccount(parts: readonly CpuPart[]): CpuAccount {
  const start = new Map<number, number>();
  for (const part of parts) {
    for (const pid of part.find()) {
      const s = cpuSeconds(pid);
      if (s !== undefined) start.set(pid, s);
    }
  }
  return {
    finish: () =>
      parts.map(({ name, find }) => {
        let seconds: number | undefined;
        for (const pid of find()) {
          const now = cpuSeconds(pid);
          if (now !== undefined) seconds = (seconds ?? 0) + now - (start.get(pid) ?? 0);
        }
        return { name, seconds };
      }),
  };
}

/** The parts of a benchmark's system: the orchestrator process, this process, Postgres, NATS. */
export function systemParts(
  orchestratorPid: number | undefined,
  database: string,
  natsPort: number,
): CpuPart[] {
  return [
    { name: 'orchestrator', find: () => (orchestratorPid === undefined ? [] : [orchestratorPid]) },
    { name: 'agents + client', find: () => [process.pid] },
    // A backend's process title names its database: "postgres: user db 127.0.0.1(port) idle".
    { name: 'Postgres backends', find: () => pidsMatching('postgres: ', ` ${database} `) },
    { name: 'nats-server', find: () => pidsMatching('nats-server', `-p ${natsPort}`) },
  ];
}

/** CPU per unit of work by part, and the ceiling that sets on this machine's cores. */
export function printCpu(parts: ReturnType<CpuAccount['finish']>, units: number, unit = 'placement'): void {
  const known = parts.filter((p): p is { name: string; seconds: number } => p.seconds !== undefined);
  if (known.length === 0 || units === 0) {
    console.log(`CPU per ${unit}: not measurable here (no /proc)`);
    return;
  }
  const perUnit = (s: number) => `${((1000 * s) / units).toFixed(2)} ms`;
  const total = known.reduce((sum, p) => sum + p.seconds, 0);
  const cores = availableParallelism();
  console.log(
    `CPU per ${unit}: ${known.map((p) => `${p.name} ${perUnit(p.seconds)}`).join(', ')}; total ${perUnit(total)} → at most ${((cores * units) / total).toFixed(0)} ${unit}s/s on ${cores} cores`,
  );
}
