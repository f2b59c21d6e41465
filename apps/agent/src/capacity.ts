import {
  type Capacity,
  DEFAULT_CPU,
  DEFAULT_MEMORY,
  formatBytes,
  parseBytes,
  parseCpu,
  parseGpu,
  type ResourcesConfig,
} from '@shoal/models';
import { checkCapacity } from './host-capacity.js';

/**
 * What the agent can give to executions, and what it has given. CPU is counted in millicores so
 * that sums of `500m` requests stay exact integers; the heartbeat's Capacity uses cores.
 */
export interface ResourceRequest {
  cpuMillis: number;
  memoryBytes: number;
  diskBytes: number;
  gpu: number;
}

export const NO_RESOURCES: ResourceRequest = { cpuMillis: 0, memoryBytes: 0, diskBytes: 0, gpu: 0 };

/** A task's Resources strings → numbers. Blank CPU/memory get the models' defaults, as the API does. */
export function requestFromResources(resources: Partial<ResourcesConfig> | undefined): ResourceRequest {
  const given = (value: string | undefined) =>
    value === undefined || value.trim() === '' ? undefined : value;
  const disk = given(resources?.Disk);
  const gpu = given(resources?.GPU);
  return {
    cpuMillis: parseCpu(given(resources?.CPU) ?? DEFAULT_CPU),
    memoryBytes: parseBytes(given(resources?.Memory) ?? DEFAULT_MEMORY, 'Memory'),
    diskBytes: disk === undefined ? 0 : parseBytes(disk, 'Disk'),
    gpu: gpu === undefined ? 0 : parseGpu(gpu),
  };
}

export function toCapacity(r: ResourceRequest): Capacity {
  return { CPU: r.cpuMillis / 1000, Memory: r.memoryBytes, Disk: r.diskBytes, GPU: r.gpu };
}

const cores = (millis: number) => `${millis / 1000} ${millis === 1000 ? 'core' : 'cores'}`;
const DIMENSIONS: ReadonlyArray<[keyof ResourceRequest, string, (n: number) => string]> = [
  ['cpuMillis', 'CPU', cores],
  ['memoryBytes', 'memory', formatBytes],
  ['diskBytes', 'disk', formatBytes],
  ['gpu', 'GPU', (n) => `${n} ${n === 1 ? 'GPU' : 'GPUs'}`],
];

/** Why `request` does not fit (`not enough memory: needs 512 MB, 200 MB available`), or undefined. */
export function shortfall(
  request: ResourceRequest,
  available: ResourceRequest,
  total: ResourceRequest,
): string | undefined {
  for (const [key, name, show] of DIMENSIONS) {
    if (request[key] <= available[key]) continue;
    // Saying "in total" tells the orchestrator that waiting will not help on this node.
    const never = request[key] > total[key] ? ` (this node has ${show(total[key])} in total)` : '';
    return `not enough ${name}: needs ${show(request[key])}, ${show(available[key])} available${never}`;
  }
  return undefined;
}

export type Reservation = { ok: true } | { ok: false; reason: string };

/** In-memory accounting; the store's `reserved` column lets a restarted agent rebuild it. */
export class CapacityTracker {
  private readonly reservations = new Map<string, ResourceRequest>();

  constructor(readonly total: ResourceRequest) {
    checkCapacity(total);
  }

  allocated(): ResourceRequest {
    const sum = { ...NO_RESOURCES };
    for (const r of this.reservations.values()) {
      for (const [key] of DIMENSIONS) sum[key] += r[key];
    }
    return sum;
  }

  available(): ResourceRequest {
    const used = this.allocated();
    const free = { ...NO_RESOURCES };
    for (const [key] of DIMENSIONS) free[key] = Math.max(0, this.total[key] - used[key]);
    return free;
  }

  /** Reserves for `executionId` if it fits; reserving twice for one id is a no-op. */
  tryReserve(executionId: string, request: ResourceRequest): Reservation {
    if (this.reservations.has(executionId)) return { ok: true };
    const reason = shortfall(request, this.available(), this.total);
    if (reason !== undefined) return { ok: false, reason };
    this.reservations.set(executionId, { ...request });
    return { ok: true };
  }

  /** Records a reservation whether it fits or not: for work that already exists (recovery). */
  hold(executionId: string, request: ResourceRequest): void {
    this.reservations.set(executionId, { ...request });
  }

  /** Returns whether something was held. Releasing twice is harmless. */
  release(executionId: string): boolean {
    return this.reservations.delete(executionId);
  }

  isReserved(executionId: string): boolean {
    return this.reservations.has(executionId);
  }
}
