import {
  DEFAULT_CPU,
  DEFAULT_MEMORY,
  parseBytes,
  parseCpu,
  parseGpu,
  type ResourceField,
} from './resources.js';
import type { Capacity } from './schemas/node.js';

/**
 * The one capacity rule, used by the orchestrator when it plans and by the agent when it bids, so
 * that the two never disagree about whether a task fits on a node. Capacity carries CPU in
 * (fractional) cores; every comparison goes through whole units (millicores, bytes, devices), so
 * 0.1 + 0.2 cores fit into 0.3.
 */

/** CPU, memory and disk may be booked up to 1.5× what a node advertises; GPUs never. */
export const DEFAULT_OVERCOMMIT = 1.5;

export const CAPACITY_RESOURCES = [
  'CPU',
  'Memory',
  'Disk',
  'GPU',
] as const satisfies readonly ResourceField[];

export const NO_CAPACITY: Readonly<Capacity> = Object.freeze({ CPU: 0, Memory: 0, Disk: 0, GPU: 0 });

/** The integer unit a resource is compared in: millicores for CPU, bytes and devices otherwise. */
export function capacityUnits(capacity: Capacity, resource: ResourceField): number {
  return resource === 'CPU' ? Math.round(capacity.CPU * 1000) : capacity[resource];
}

export function addCapacities(a: Capacity, b: Capacity): Capacity {
  return { CPU: a.CPU + b.CPU, Memory: a.Memory + b.Memory, Disk: a.Disk + b.Disk, GPU: a.GPU + b.GPU };
}

/**
 * What one execution of a task books on its node. A blank CPU or memory takes the API's default
 * (submission fills them in, so this only matters for older rows); a blank disk or GPU is none.
 * Throws ResourceParseError on a value that does not parse.
 */
export function taskCapacity(resources: Partial<Record<ResourceField, string>> | undefined): Capacity {
  const given = (value: string | undefined) =>
    value === undefined || value.trim() === '' ? undefined : value;
  const disk = given(resources?.Disk);
  const gpu = given(resources?.GPU);
  return {
    CPU: parseCpu(given(resources?.CPU) ?? DEFAULT_CPU) / 1000,
    Memory: parseBytes(given(resources?.Memory) ?? DEFAULT_MEMORY, 'Memory'),
    Disk: disk === undefined ? 0 : parseBytes(disk, 'Disk'),
    GPU: gpu === undefined ? 0 : parseGpu(gpu),
  };
}

/** How much of a resource a node may book in all: its advertised amount times the overcommit. */
export function bookableUnits(max: Capacity, resource: ResourceField, overcommit: number): number {
  return Math.floor(capacityUnits(max, resource) * (resource === 'GPU' ? 1 : Math.max(1, overcommit)));
}

export interface CapacityShortfall {
  resource: ResourceField;
  /** In the resource's units (millicores, bytes, devices). */
  needs: number;
  free: number;
  /** The node could not take it even empty: waiting will not help. */
  never: boolean;
}

/**
 * Why `request` does not fit beside `used` on a node that advertises `max`, resource by resource;
 * empty when it fits. The orchestrator's `used` is the sum over the node's executions that hold
 * resources; the agent's is the sum of its reservations: the same set, seen from either side.
 */
export function capacityShortfalls(
  request: Capacity,
  used: Capacity,
  max: Capacity,
  overcommit: number,
): CapacityShortfall[] {
  const short: CapacityShortfall[] = [];
  for (const resource of CAPACITY_RESOURCES) {
    const needs = capacityUnits(request, resource);
    if (needs === 0) continue;
    const bookable = bookableUnits(max, resource, overcommit);
    const free = Math.max(0, bookable - capacityUnits(used, resource));
    if (needs <= free) continue;
    short.push({ resource, needs, free, never: needs > bookable });
  }
  return short;
}
