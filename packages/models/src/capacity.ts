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
 *
 * `queue` is what the node lets wait for room beyond what it can book at once (its QueueCapacity):
 * a request fits while everything held stays within the bookable amount plus the queue, and the
 * node starts it as soon as it fits beside what runs. A request beyond the bookable amount never
 * fits, queue or not: it could never start.
 */
export function capacityShortfalls(
  request: Capacity,
  used: Capacity,
  max: Capacity,
  overcommit: number,
  queue: Capacity = NO_CAPACITY,
): CapacityShortfall[] {
  const short: CapacityShortfall[] = [];
  for (const resource of CAPACITY_RESOURCES) {
    const needs = capacityUnits(request, resource);
    if (needs === 0) continue;
    const bookable = bookableUnits(max, resource, overcommit);
    const room = bookable + capacityUnits(queue, resource);
    const free = Math.max(0, room - capacityUnits(used, resource));
    if (needs <= free && needs <= bookable) continue;
    // Beyond what the node can run at once, its queue is no room: say what it could ever run.
    const never = needs > bookable;
    short.push({ resource, needs, free: never ? Math.min(free, bookable) : free, never });
  }
  return short;
}

/** The queue a node offers at `factor` times what it advertises (0: none), in whole units. */
export function queueCapacity(max: Capacity, factor: number): Capacity {
  if (!(factor > 0)) return { ...NO_CAPACITY };
  const scaled = (resource: (typeof CAPACITY_RESOURCES)[number]) =>
    Math.floor(capacityUnits(max, resource) * factor);
  return { CPU: scaled('CPU') / 1000, Memory: scaled('Memory'), Disk: scaled('Disk'), GPU: scaled('GPU') };
}
