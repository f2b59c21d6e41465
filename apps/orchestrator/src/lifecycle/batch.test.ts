import { ComputeStateType as C, type Capacity, DesiredStateType as D } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import {
  addCapacity,
  allocationOf,
  isLive,
  type Plan,
  type ScheduledExecution,
  ZERO_CAPACITY,
} from '../planner/index.js';
import { capacity, GB, makeExecution, makeNode } from '../planner/testing/fixtures.js';
import type { OutgoingMessage, Repos } from '../store/index.js';
import { SchedulingBatch } from './batch.js';

const of = (jobId: string, e: ScheduledExecution): ScheduledExecution => ({ ...e, JobID: jobId });

/** Just what the batch reads and writes, counted. */
function fakeTx(holding: ScheduledExecution[]) {
  const loads = { nodes: 0, holding: 0, locks: 0 };
  const sent: Array<[string, OutgoingMessage[]]> = [];
  const tx = {
    nodeStatus: {
      list: async () => {
        loads.nodes++;
        return ['n1', 'n2'].map((id) => {
          const { usage: _, healthy, ...state } = makeNode({ id });
          return { state, healthy };
        });
      },
    },
    scheduling: {
      lockPlacement: async () => {
        loads.locks++;
      },
      // What the store's sum gives: allocationOf per node over the live executions.
      usageByNode: async () => {
        loads.holding++;
        const usage = new Map<string, Capacity>();
        for (const e of holding.filter(isLive)) {
          const add = allocationOf(e.AllocatedResources.Tasks);
          usage.set(e.NodeID, addCapacity(usage.get(e.NodeID) ?? ZERO_CAPACITY, add));
        }
        return usage;
      },
    },
    outbox: {
      enqueueAll: async (byNode: Map<string, OutgoingMessage[]>) => {
        sent.push(...[...byNode].sort(([a], [b]) => a.localeCompare(b)));
        return [];
      },
    },
  } as unknown as Repos;
  return { tx, loads, sent };
}

const plan = (p: Partial<Plan>): Plan => ({
  jobRevision: 1,
  newExecutions: [],
  executionUpdates: [],
  notes: [],
  ...p,
});
const usageOf = async (batch: SchedulingBatch, tx: Repos) =>
  Object.fromEntries((await batch.candidates(tx)).map((n) => [n.Info.NodeID, n.usage.CPU]));

describe('SchedulingBatch', () => {
  it('loads nodes once and keeps usage exact across the plans of the batch', async () => {
    const running = of(
      'j-a',
      makeExecution({ id: 'e-1', node: 'n1', desired: D.Running, compute: C.BidAccepted }),
    );
    const waiting = of('j-b', makeExecution({ id: 'e-2', node: 'n2' }));
    const { tx, loads } = fakeTx([running, waiting]);
    const batch = new SchedulingBatch();
    expect(await usageOf(batch, tx)).toEqual({ n1: 1, n2: 1 });

    // Job a's plan stops its execution and places two new ones on n2.
    batch.observe('j-a', [running]);
    batch.applied(
      'j-a',
      [running],
      plan({
        executionUpdates: [
          {
            executionId: 'e-1',
            expectedRevision: 1,
            desiredState: { StateType: D.Stopped, Message: 'stop' },
            computeState: { StateType: C.Cancelled, Message: '' },
            comment: 'stop',
          },
        ],
        newExecutions: [0, 1].map((partition) => ({
          partition,
          nodeId: 'n2',
          desiredState: D.Pending,
          computeState: C.New,
          comment: 'place',
          allocated: capacity({ CPU: 2, Memory: GB }),
        })),
      }),
    );
    expect(await usageOf(batch, tx)).toEqual({ n1: 0, n2: 5 });

    // Job b's plan cancels its execution: only its own share moves.
    batch.observe('j-b', [waiting]);
    expect(await usageOf(batch, tx)).toEqual({ n1: 0, n2: 5 });
    const cancel = { StateType: D.Stopped, Message: 'stop' };
    batch.applied(
      'j-b',
      [waiting],
      plan({
        executionUpdates: [
          { executionId: 'e-2', expectedRevision: 1, desiredState: cancel, comment: 'stop' },
        ],
      }),
    );
    expect(await usageOf(batch, tx)).toEqual({ n1: 0, n2: 4 });
    // Placement is locked once, before nodes and usage are read.
    expect(loads).toEqual({ nodes: 1, holding: 1, locks: 1 });
  });

  it('hands every node’s messages to the outbox in one call, in the order sent', async () => {
    const { tx, sent } = fakeTx([]);
    const batch = new SchedulingBatch();
    batch.send('n2', { type: 'BidAccepted', payload: { ExecutionID: 'e-1' } });
    batch.send('n1', { type: 'BidAccepted', payload: { ExecutionID: 'e-2' } });
    batch.send('n2', { type: 'CancelExecution', payload: { ExecutionID: 'e-3', Reason: 'x' } });
    expect([...(await batch.flush(tx, 1n))].sort()).toEqual(['n1', 'n2']);
    expect(sent.map(([node, messages]) => [node, messages.map((m) => m.payload.ExecutionID)])).toEqual([
      ['n1', ['e-2']],
      ['n2', ['e-1', 'e-3']],
    ]);
  });
});
