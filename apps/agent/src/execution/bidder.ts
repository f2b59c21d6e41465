import { type Job, ResourceParseError, type SpecConfig } from '@shoal/models';
import type { ExecutorCapabilities } from '../executor/executor.js';
import { misfit, type ResourceRequest, requestFromResources } from '../node/capacity.js';

/**
 * Whether this node bids on a job: a pure function of the job and what the node has, so every
 * rule is a one-line unit test. Reasons are sentences an operator reads in the job's history
 * (`bid rejected: not enough memory: needs 512 MB, 200 MB available`). Capacity is judged
 * by the models' capacityShortfalls, the orchestrator's own rule.
 */

export interface BidderContext {
  /** One entry per installed engine, with its current health. */
  engines: readonly ExecutorCapabilities[];
  publishers: readonly string[];
  storageSources: readonly string[];
  /** Why this node will not take an input it supports (a local path it does not allow). */
  refuseInput?: (source: SpecConfig) => string | undefined;
  /** Why this node will not publish where the task asks (an S3 endpoint it does not allow). */
  refusePublisher?: (publisher: SpecConfig) => string | undefined;
  /** The node as a whole (a full disk stops bidding). */
  health: { healthy: boolean; reason?: string | undefined };
  /**
   * What the node advertises, what its reservations hold, the orchestrator's overcommit factor,
   * and what may wait for room beyond that (the node's queue).
   */
  total: ResourceRequest;
  allocated: ResourceRequest;
  overcommit: number;
  queue: ResourceRequest;
}

/**
 * outOfCapacity: refused only for want of free room (BidResult.OutOfCapacity). waits: accepted
 * into the node's queue, to start once room frees (known once the reservation is made).
 */
export type BidDecision =
  | { accept: true; request: ResourceRequest; waits?: boolean }
  | { accept: false; reason: string; outOfCapacity?: boolean };

const reject = (reason: string): BidDecision => ({ accept: false, reason });

const supported = (names: readonly string[]) =>
  `(supported: ${names.length > 0 ? [...names].sort().join(', ') : 'none'})`;

export function decideBid(job: Job, node: BidderContext): BidDecision {
  if (!node.health.healthy) return reject(`node is unhealthy: ${node.health.reason ?? 'no reason given'}`);

  // Bacalhau jobs have exactly one task; anything else is not something this agent knows to run.
  const task = job.Tasks[0];
  if (task === undefined) return reject('job has no task');
  if (job.Tasks.length > 1)
    return reject(`job has ${job.Tasks.length} tasks; this node runs one task per job`);

  const engineType = task.Engine.Type;
  const engine = node.engines.find((e) => e.engine === engineType);
  if (engine === undefined) {
    const names = node.engines.map((e) => e.engine);
    return reject(`engine ${engineType || '(none)'} is not supported by this node ${supported(names)}`);
  }
  if (!engine.healthy)
    return reject(`node is unhealthy: ${engine.reason ?? `engine ${engineType} is unhealthy`}`);

  // The engine says which networks it can give (docker: none, unless the operator allows more).
  const network = task.Network?.Type || 'None';
  if (engine.networks !== undefined && !engine.networks.includes(network)) {
    // Only the docker engine's networks grow with an operator's flag; wasm modules get none at all.
    const hint =
      engine.networks.length !== 1
        ? ''
        : engineType === 'docker'
          ? '; networked jobs need --allow-networked-jobs'
          : `; the ${engineType} engine gives its tasks no network`;
    return reject(`network type ${network} is not allowed on this node ${supported(engine.networks)}${hint}`);
  }

  // An empty publisher type means "publish nothing", which every node can do.
  const publisher = task.Publisher.Type;
  if (publisher !== '' && !node.publishers.includes(publisher)) {
    return reject(`publisher ${publisher} is not supported by this node ${supported(node.publishers)}`);
  }
  const refusedPublisher = publisher === '' ? undefined : node.refusePublisher?.(task.Publisher);
  if (refusedPublisher !== undefined) return reject(`publisher ${publisher}: ${refusedPublisher}`);

  for (const [i, input] of task.InputSources.entries()) {
    const type = input.Source.Type;
    if (!node.storageSources.includes(type)) {
      return reject(
        `input source ${type || '(none)'} is not supported by this node ${supported(node.storageSources)}`,
      );
    }
    const refused = node.refuseInput?.(input.Source);
    if (refused !== undefined) return reject(`input ${i}: ${refused}`);
  }

  let request: ResourceRequest;
  try {
    request = requestFromResources(task.Resources);
  } catch (error) {
    if (error instanceof ResourceParseError) return reject(`invalid resources: ${error.message}`);
    throw error;
  }
  const missing = misfit(request, node.allocated, node.total, node.overcommit, node.queue);
  if (missing !== undefined) return { accept: false, ...missing };
  return { accept: true, request };
}
