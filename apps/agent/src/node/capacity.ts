import {
  bookableUnits,
  CAPACITY_RESOURCES,
  type Capacity,
  capacityShortfalls,
  capacityUnits,
  formatBytes,
  queueCapacity,
  type ResourceField,
  type ResourcesConfig,
  taskCapacity,
} from '@shoal/models';

/**
 * What the agent can give to executions, and what it has given. The agent keeps whole units
 * (millicores, bytes, devices: exact sums, and the form the store keeps reservations in); whether
 * a task fits is decided by the models' capacityShortfalls, the very rule the orchestrator plans
 * with, so a bid it planned is never refused for room it believes is there.
 */
export interface ResourceRequest {
  cpuMillis: number;
  memoryBytes: number;
  diskBytes: number;
  gpu: number;
}

/** A capacity the agent refuses to offer: a bad flag, or a value the orchestrator would refuse. */
export class CapacityConfigError extends Error {
  override readonly name = 'CapacityConfigError';
}

// The models' own bounds (CapacitySchema, the wire's WireCapacitySchema): beyond them is a typo.
const MAX_CPU_MILLIS = 100_000 * 1000;
const MAX_GPU = 1024;

/** Never advertise a capacity the orchestrator would refuse: it checks the same bounds on the wire. */
export function checkCapacity(c: ResourceRequest): void {
  const problems: string[] = [];
  const bad = (n: number) => !Number.isSafeInteger(n) || n < 0;
  if (bad(c.cpuMillis) || c.cpuMillis === 0 || c.cpuMillis > MAX_CPU_MILLIS) {
    problems.push(`CPU must be above 0 and at most 100000 cores, got ${c.cpuMillis / 1000}`);
  }
  if (bad(c.memoryBytes) || c.memoryBytes === 0) {
    problems.push(`memory must be a positive whole number of bytes, got ${c.memoryBytes}`);
  }
  if (bad(c.diskBytes))
    problems.push(`disk must be a non-negative whole number of bytes, got ${c.diskBytes}`);
  if (bad(c.gpu) || c.gpu > MAX_GPU)
    problems.push(`GPU must be a whole number from 0 to ${MAX_GPU}, got ${c.gpu}`);
  if (problems.length > 0) throw new CapacityConfigError(`absurd capacity: ${problems.join('; ')}`);
}

export const NO_RESOURCES: ResourceRequest = { cpuMillis: 0, memoryBytes: 0, diskBytes: 0, gpu: 0 };

const KEYS: Record<ResourceField, keyof ResourceRequest> = {
  CPU: 'cpuMillis',
  Memory: 'memoryBytes',
  Disk: 'diskBytes',
  GPU: 'gpu',
};

/** A task's Resources strings → units, as the models' taskCapacity reads them (blank CPU/memory: defaults). */
export function requestFromResources(resources: Partial<ResourcesConfig> | undefined): ResourceRequest {
  return fromCapacity(taskCapacity(resources));
}

export function toCapacity(r: ResourceRequest): Capacity {
  return { CPU: r.cpuMillis / 1000, Memory: r.memoryBytes, Disk: r.diskBytes, GPU: r.gpu };
}

export function fromCapacity(c: Capacity): ResourceRequest {
  const units = { ...NO_RESOURCES };
  for (const resource of CAPACITY_RESOURCES) units[KEYS[resource]] = capacityUnits(c, resource);
  return units;
}

/** The overcommit factor as the orchestrator gives it; anything unusable counts as none (1). */
export function usableOvercommit(factor: number | undefined): number {
  return factor !== undefined && Number.isFinite(factor) && factor >= 1 ? factor : 1;
}

/** How much is left to book: `total` × overcommit − `used`, never below 0. */
export function freeUnits(
  total: ResourceRequest,
  used: ResourceRequest,
  overcommit: number,
): ResourceRequest {
  const max = toCapacity(total);
  const free = { ...NO_RESOURCES };
  for (const resource of CAPACITY_RESOURCES) {
    const key = KEYS[resource];
    free[key] = Math.max(0, bookableUnits(max, resource, overcommit) - used[key]);
  }
  return free;
}

/** Why a request does not fit, and whether waiting for running work to end could make it fit. */
export interface Misfit {
  reason: string;
  /** True when every shortfall is only for lack of free room, not beyond what the node can book. */
  outOfCapacity: boolean;
}

const cores = (millis: number) => `${millis / 1000} ${millis === 1000 ? 'core' : 'cores'}`;
const SHOW: Record<ResourceField, [string, (units: number) => string]> = {
  CPU: ['CPU', cores],
  Memory: ['memory', formatBytes],
  Disk: ['disk', formatBytes],
  GPU: ['GPU', (n) => `${n} ${n === 1 ? 'GPU' : 'GPUs'}`],
};

/**
 * capacityShortfalls, in sentences an operator reads in the job's history:
 * `not enough memory: needs 512 MB, 200 MB available`, and for a request beyond what the node can
 * ever book, how much that is (overcommit included).
 */
export function misfit(
  request: ResourceRequest,
  used: ResourceRequest,
  total: ResourceRequest,
  overcommit: number,
  queue: ResourceRequest = NO_RESOURCES,
): Misfit | undefined {
  const max = toCapacity(total);
  const short = capacityShortfalls(toCapacity(request), toCapacity(used), max, overcommit, toCapacity(queue));
  if (short.length === 0) return undefined;
  const reasons = short.map(({ resource, needs, free, never }) => {
    const [name, show] = SHOW[resource];
    const line = `not enough ${name}: needs ${show(needs)}, ${show(free)} available`;
    if (!never) return line;
    const has = capacityUnits(max, resource);
    const bookable = bookableUnits(max, resource, overcommit);
    const beyond = bookable === has ? '' : `, ${show(bookable)} with overcommit ${overcommit}`;
    return `${line} (this node has ${show(has)} in total${beyond})`;
  });
  return { reason: reasons.join('; '), outOfCapacity: short.every((s) => !s.never) };
}

/** `waits`: the request holds room in the node's queue and starts once it fits beside what runs. */
export type Reservation = { ok: true; waits: boolean } | ({ ok: false } & Misfit);

const sum = (requests: Iterable<ResourceRequest>): ResourceRequest => {
  const total = { ...NO_RESOURCES };
  for (const r of requests) {
    for (const key of Object.values(KEYS)) total[key] += r[key];
  }
  return total;
};

/**
 * In-memory accounting; the store's `reserved` and `waiting` columns let a restarted agent rebuild
 * it. `total` is what the node advertises; the overcommit factor comes from the orchestrator's
 * handshake reply. Beyond what it can run at once (total × overcommit), the node holds up to
 * `queue` more, waiting in order for room: a freed slot goes to the next in line at once, without
 * a round trip to the orchestrator.
 */
export class CapacityTracker {
  private readonly reservations = new Map<string, ResourceRequest>();
  /** Held but not running, in the order they came (a Map keeps insertion order). */
  private readonly waiting = new Map<string, ResourceRequest>();
  private factor = 1;
  /** What may wait beyond what runs: `queueFactor` × total, in whole units. */
  readonly queue: ResourceRequest;

  constructor(
    readonly total: ResourceRequest,
    queueFactor = 0,
  ) {
    checkCapacity(total);
    this.queue = queueFactor > 0 ? fromCapacity(queueCapacity(toCapacity(total), queueFactor)) : NO_RESOURCES;
  }

  get overcommit(): number {
    return this.factor;
  }

  /** Learnt at each handshake; absent or unusable means 1 (book no more than advertised). */
  setOvercommit(factor: number | undefined): void {
    this.factor = usableOvercommit(factor);
  }

  /** Everything held: what runs, what awaits approval, and what waits for room. */
  allocated(): ResourceRequest {
    return sum(this.reservations.values());
  }

  /** Held by what may run now: everything but the waiting line. */
  running(): ResourceRequest {
    const all = this.allocated();
    const waiting = sum(this.waiting.values());
    for (const key of Object.values(KEYS)) all[key] -= waiting[key];
    return all;
  }

  /**
   * What is free of what the node advertises (heartbeats and NodeInfo say so): total − reserved, at
   * least 0. Overcommit lets bookings go past it, but the node never has more than it advertises,
   * and the orchestrator refuses a NodeInfo whose available capacity exceeds its maximum.
   */
  available(): ResourceRequest {
    return freeUnits(this.total, this.allocated(), 1);
  }

  /**
   * Reserves for `executionId` if it fits, queue included; reserving twice for one id is a no-op.
   * It waits when it does not fit beside what runs, or when others wait already (first come,
   * first started: a large task is never passed over for ever by smaller ones).
   */
  tryReserve(executionId: string, request: ResourceRequest): Reservation {
    if (this.reservations.has(executionId)) return { ok: true, waits: this.waiting.has(executionId) };
    const problem = misfit(request, this.allocated(), this.total, this.factor, this.queue);
    if (problem !== undefined) return { ok: false, ...problem };
    const waits = !this.canStartNow(request);
    this.reservations.set(executionId, { ...request });
    if (waits) this.waiting.set(executionId, { ...request });
    return { ok: true, waits };
  }

  /**
   * Records a reservation whether it fits or not: for work that already exists (recovery). One
   * that `waits` joins the end of the line.
   */
  hold(executionId: string, request: ResourceRequest, waits = false): void {
    this.reservations.set(executionId, { ...request });
    if (waits) this.waiting.set(executionId, { ...request });
  }

  /** Returns what was held, if anything. Releasing twice is harmless. */
  release(executionId: string): ResourceRequest | undefined {
    const held = this.reservations.get(executionId);
    this.reservations.delete(executionId);
    this.waiting.delete(executionId);
    return held;
  }

  isReserved(executionId: string): boolean {
    return this.reservations.has(executionId);
  }

  isWaiting(executionId: string): boolean {
    return this.waiting.has(executionId);
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  /**
   * Moves the first in line to running while each fits beside what runs, in order, and returns
   * their ids: the caller starts them. The first that does not fit stops the line.
   */
  admit(): string[] {
    const admitted: string[] = [];
    for (const [id, request] of this.waiting) {
      if (!this.fitsBesideRunning(request)) break;
      this.waiting.delete(id);
      admitted.push(id);
    }
    return admitted;
  }

  /** Puts an admitted execution back at the head of the line (its start could not be recorded). */
  readmit(executionId: string): void {
    const request = this.reservations.get(executionId);
    if (request === undefined || this.waiting.has(executionId)) return;
    const rest = [...this.waiting];
    this.waiting.clear();
    this.waiting.set(executionId, request);
    for (const [id, r] of rest) this.waiting.set(id, r);
  }

  /** Whether work asking for `request` would start now: nobody waits ahead, and it fits beside what runs. */
  canStartNow(request: ResourceRequest): boolean {
    return this.waiting.size === 0 && this.fitsBesideRunning(request);
  }

  private fitsBesideRunning(request: ResourceRequest): boolean {
    return misfit(request, this.running(), this.total, this.factor) === undefined;
  }
}
