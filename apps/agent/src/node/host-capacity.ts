import { statfsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { parseBytes, parseCpu, parseGpu, ResourceParseError } from '@shoal/models';
import { CapacityConfigError, checkCapacity, type ResourceRequest } from './capacity.js';

/**
 * The capacity this agent offers: a share of what the host has (CPU cores, memory, free disk under
 * the data directory; no GPU detection yet), or what the operator's flags say. Absurd values stop
 * the agent with a clear error instead of being advertised to the orchestrator, which would refuse them.
 */

export interface HostProbe {
  cpuCores(): number;
  memoryBytes(): number;
  /** Free bytes for an unprivileged user on the filesystem of `dir`. */
  freeDiskBytes(dir: string): number;
}

export const systemProbe: HostProbe = {
  cpuCores: () => availableParallelism(),
  memoryBytes: () => totalmem(),
  freeDiskBytes: (dir) => {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  },
};

export interface CapacityConfig {
  dataDir: string;
  /** Share of the detected host resources to offer. Default 0.8; operator overrides are taken as given. */
  fraction?: number;
  cpu?: string | number | undefined;
  memory?: string | number | undefined;
  disk?: string | number | undefined;
  gpu?: string | number | undefined;
  probe?: HostProbe;
}

/** The capacity this agent offers: detected × fraction, or the operator's flags. Refuses nonsense. */
export function resolveCapacity(config: CapacityConfig): ResourceRequest {
  const { fraction = 0.8, probe = systemProbe } = config;
  if (!(fraction > 0 && fraction <= 1)) {
    throw new CapacityConfigError(`capacity fraction must be above 0 and at most 1, got ${fraction}`);
  }
  const share = (n: number) => Math.floor(n * fraction);
  const capacity: ResourceRequest = {
    cpuMillis:
      flag(config.cpu, 'CPU', (n) => Math.round(n * 1000), parseCpu) ?? share(probe.cpuCores() * 1000),
    memoryBytes: flag(config.memory, 'memory', (n) => n, parseBytes) ?? share(probe.memoryBytes()),
    diskBytes:
      flag(
        config.disk,
        'disk',
        (n) => n,
        (v) => parseBytes(v, 'Disk'),
      ) ?? share(probe.freeDiskBytes(config.dataDir)),
    gpu: flag(config.gpu, 'GPU', (n) => n, parseGpu) ?? 0,
  };
  checkCapacity(capacity);
  return capacity;
}

function flag(
  value: string | number | undefined,
  name: string,
  fromNumber: (n: number) => number,
  parse: (text: string) => number,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new CapacityConfigError(`${name} capacity must be a non-negative number, got ${value}`);
    }
    return fromNumber(value);
  }
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof ResourceParseError)
      throw new CapacityConfigError(`${name} capacity: ${error.message}`);
    throw error;
  }
}
