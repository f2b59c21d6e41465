import {
  type Capacity,
  capacityUnits,
  formatBytes,
  formatCpu,
  ResourceParseError,
  type Task,
  taskCapacity,
} from '@shoal/models';

/**
 * Resource arithmetic for placement. Capacity carries CPU in (fractional) cores, so comparisons go
 * through whole millicores: 0.1 + 0.2 cores must fit into 0.3 cores.
 */

export const RESOURCES = ['CPU', 'Memory', 'Disk', 'GPU'] as const;
export type Resource = (typeof RESOURCES)[number];

export const ZERO_CAPACITY: Readonly<Capacity> = Object.freeze({ CPU: 0, Memory: 0, Disk: 0, GPU: 0 });

const NAME: Record<Resource, string> = { CPU: 'CPU', Memory: 'memory', Disk: 'disk', GPU: 'GPU' };

export function resourceName(resource: Resource): string {
  return NAME[resource];
}

/** The integer unit each resource is compared in: millicores for CPU, bytes and devices otherwise. */
export function units(capacity: Capacity, resource: Resource): number {
  return capacityUnits(capacity, resource);
}

export function formatAmount(resource: Resource, amount: number): string {
  const value = Math.max(0, Math.floor(amount));
  if (resource === 'CPU') return formatCpu(value);
  if (resource === 'GPU') return `${value}`;
  return formatBytes(value);
}

export function addCapacity(a: Capacity, b: Capacity): Capacity {
  return { CPU: a.CPU + b.CPU, Memory: a.Memory + b.Memory, Disk: a.Disk + b.Disk, GPU: a.GPU + b.GPU };
}

export function subtractCapacity(a: Capacity, b: Capacity): Capacity {
  return { CPU: a.CPU - b.CPU, Memory: a.Memory - b.Memory, Disk: a.Disk - b.Disk, GPU: a.GPU - b.GPU };
}

export type RequestResult = { ok: true; request: Capacity } | { ok: false; message: string };

/**
 * What one execution of the task books, by the rule the agents bid with (`taskCapacity`). Stored
 * jobs were validated at submission, so a parse failure here means a corrupt row: it is reported,
 * not thrown, and the job fails with the reason.
 */
export function taskRequest(task: Task): RequestResult {
  try {
    return { ok: true, request: taskCapacity(task.Resources) };
  } catch (error) {
    if (error instanceof ResourceParseError) return { ok: false, message: error.message };
    throw error;
  }
}

/** An execution's allocation as the applier stored it (AllocatedResources.Tasks[name]). */
export function allocationOf(tasks: Readonly<Record<string, unknown>>): Capacity {
  let total: Capacity = ZERO_CAPACITY;
  for (const value of Object.values(tasks)) {
    if (typeof value !== 'object' || value === null) continue;
    const v = value as Partial<Record<Resource, unknown>>;
    const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
    total = addCapacity(total, {
      CPU: num(v.CPU),
      Memory: num(v.Memory),
      Disk: num(v.Disk),
      GPU: num(v.GPU),
    });
  }
  return total;
}
