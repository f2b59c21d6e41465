import {
  type Capacity,
  computeStateName,
  isTerminalComputeState,
  isTerminalJobState,
  NO_CAPACITY,
  shortId,
} from '@shoal/models';
import { allocationOf, isLive } from '../../planner/index.js';
import type { StoredExecution } from '../../store/index.js';
import { sameCapacity } from './sim-agent.js';
import type { SimCluster } from './sim-cluster.js';

/**
 * What must hold of the lifecycle's writes, checked against the store and the simulated agents.
 * Each check returns the problems it found (empty: all good), so the test can print them with the
 * steps that led there.
 */

const show = (c: Capacity) => `${c.CPU} CPU/${c.Memory} B`;
const stateOf = (e: StoredExecution) =>
  `${computeStateName(e.ComputeState.StateType)}/desired ${e.DesiredState.StateType}/${e.outcome || 'no outcome'}`;

/** (3) and (4), at any moment: terminal executions never change again, and say why they ended. */
export class TerminalLedger {
  private readonly ended = new Map<string, { state: string; revision: number }>();

  observe(executions: readonly StoredExecution[]): string[] {
    const problems: string[] = [];
    for (const e of executions) {
      if (!isTerminalComputeState(e.ComputeState.StateType)) {
        if (this.ended.has(e.ID))
          problems.push(`(3) ${shortId(e.ID)} left its terminal state: now ${stateOf(e)}`);
        continue;
      }
      if (e.outcome === '') problems.push(`(4) ${shortId(e.ID)} ended (${stateOf(e)}) without an outcome`);
      const seen = this.ended.get(e.ID);
      const now = { state: `${stateOf(e)} "${e.ComputeState.Message}"`, revision: e.Revision };
      if (!seen) this.ended.set(e.ID, now);
      else if (seen.state !== now.state || seen.revision !== now.revision)
        problems.push(
          `(3) terminal ${shortId(e.ID)} changed: ${seen.state} r${seen.revision} → ${now.state} r${now.revision}`,
        );
    }
    return problems;
  }
}

/**
 * (1) and (2), once the cluster is quiet: on every connected node the orchestrator counts exactly
 * what its agent holds (per execution, and in sum), and an ended job has no execution left going.
 */
export async function checkQuiescent(cluster: SimCluster): Promise<string[]> {
  const problems: string[] = [];
  const executions = await cluster.executions();
  const usage = await cluster.store.scheduling.usageByNode();
  const byId = new Map(executions.map((e) => [e.ID, e]));
  for (const agent of cluster.agents) {
    const record = await cluster.store.nodeStatus.find(agent.nodeId);
    if (!agent.linked || record?.state.Connection !== 'CONNECTED') continue;
    const node = shortId(agent.nodeId);
    const counted = usage.get(agent.nodeId) ?? NO_CAPACITY;
    if (!sameCapacity(counted, agent.held()))
      problems.push(
        `(1) ${node}: orchestrator counts ${show(counted)}, the agent holds ${show(agent.held())}`,
      );
    for (const e of executions) {
      if (e.NodeID !== agent.nodeId || !isLive(e)) continue;
      const local = agent.executions.get(e.ID);
      if (!local?.reserved)
        problems.push(
          `(1) ${node}: ${shortId(e.ID)} (${stateOf(e)}) counted, but the agent holds nothing for it (${local?.state ?? 'unknown'})`,
        );
      else if (!sameCapacity(local.reserved, allocationOf(e.AllocatedResources.Tasks)))
        problems.push(`(1) ${node}: ${shortId(e.ID)} counted with another size than the agent holds`);
    }
    for (const local of agent.holding()) {
      const e = byId.get(local.id);
      if (!e || !isLive(e))
        problems.push(
          `(1) ${node}: the agent holds ${shortId(local.id)} (${local.state}), the orchestrator counts nothing for it (${e ? stateOf(e) : 'unknown'})`,
        );
    }
  }
  const connected = new Set(
    (await cluster.store.nodeStatus.list())
      .filter((r) => r.state.Connection === 'CONNECTED')
      .map((r) => r.state.Info.NodeID),
  );
  for (const job of await cluster.jobs()) {
    if (!isTerminalJobState(job.State.StateType)) continue;
    for (const e of executions) {
      if (e.JobID !== job.ID || isTerminalComputeState(e.ComputeState.StateType)) continue;
      const where = connected.has(e.NodeID) ? 'connected' : 'lost';
      problems.push(
        `(2) job ${shortId(job.ID)} is ${job.State.StateType} but ${shortId(e.ID)} is ${stateOf(e)} on ${where} ${e.NodeID}`,
      );
    }
  }
  return problems;
}

/** After drain(): every job ended, every execution ended, nothing counted and nothing held. */
export async function checkDrained(cluster: SimCluster): Promise<string[]> {
  const problems: string[] = [];
  for (const job of await cluster.jobs())
    if (!isTerminalJobState(job.State.StateType))
      problems.push(`(drain) job ${shortId(job.ID)} is still ${job.State.StateType}: ${job.State.Message}`);
  for (const e of await cluster.executions())
    if (!isTerminalComputeState(e.ComputeState.StateType))
      problems.push(`(drain) ${shortId(e.ID)} on ${shortId(e.NodeID)} is still ${stateOf(e)}`);
  const usage = await cluster.store.scheduling.usageByNode();
  for (const agent of cluster.agents) {
    const counted = usage.get(agent.nodeId);
    if (counted && !sameCapacity(counted, NO_CAPACITY))
      problems.push(`(drain) ${shortId(agent.nodeId)}: still counts ${show(counted)}`);
    if (agent.holding().length > 0)
      problems.push(
        `(drain) ${shortId(agent.nodeId)}: the agent still holds ${agent.holding().map((l) => shortId(l.id))}`,
      );
  }
  return problems;
}
