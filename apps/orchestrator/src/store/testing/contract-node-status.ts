import { ComputeStateType as C, DesiredStateType as D, type Job } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { heartbeatReport, makeExecution, makeJob, makeNode, tick, unique } from './fixtures.js';
import type { StoreContext } from './harness.js';

const report = heartbeatReport({
  AvailableCapacity: { CPU: 1.5, Memory: 1_000_000, Disk: 0, GPU: 0 },
  RunningExecutions: 2,
  EnqueuedExecutions: 1,
  Healthy: false,
  HealthReason: 'docker daemon does not answer',
});

export function nodeStatusContract(ctx: StoreContext): void {
  describe('node status', () => {
    const connectedNode = async (id = unique('n-st-')) => {
      const node = makeNode({ id });
      await ctx.store.nodes.upsert(node, tick());
      return node;
    };

    it('finds by exact id, with health and the last time it was heard from', async () => {
      const node = makeNode({ id: unique('n-st-') });
      const at = tick();
      await ctx.store.nodes.upsert(node, at);
      expect(await ctx.store.nodeStatus.find(node.Info.NodeID)).toEqual({
        state: node,
        healthy: true,
        healthReason: '',
        lastHeartbeat: at,
      });
      expect(await ctx.store.nodeStatus.find(node.Info.NodeID.slice(0, 6))).toBeUndefined();
      expect((await ctx.store.nodeStatus.list()).map((r) => r.state.Info.NodeID)).toContain(node.Info.NodeID);
    });

    it('records heartbeats of connected nodes only, keeping the rest of the info', async () => {
      const node = await connectedNode();
      const id = node.Info.NodeID;
      const at = tick();
      const beat = (beatId: string, now: bigint) =>
        ctx.store.nodeStatus
          .heartbeatMany([{ id: beatId, report }], now)
          .then((r) => r.get(beatId)?.connected);
      expect(await beat(id, at)).toBe(true);
      const record = await ctx.store.nodeStatus.find(id);
      expect(record).toMatchObject({ healthy: false, healthReason: report.HealthReason, lastHeartbeat: at });
      expect(record?.state.Info.ComputeNodeInfo).toEqual({
        ...node.Info.ComputeNodeInfo,
        AvailableCapacity: report.AvailableCapacity,
        RunningExecutions: 2,
        EnqueuedExecutions: 1,
      });
      expect(await beat(unique('n-none-'), tick())).toBe(false);
      expect(await ctx.store.nodeStatus.disconnect(id, tick())).toBe(true);
      expect(await beat(id, tick())).toBe(false);
      expect(await ctx.store.nodeStatus.updateInfo(id, node.Info, tick())).toBeUndefined();
    });

    it('records many heartbeats in one statement, with each node’s applied cursor', async () => {
      const [a, b, gone] = [await connectedNode(), await connectedNode(), await connectedNode()];
      const [idA, idB, idGone] = [a.Info.NodeID, b.Info.NodeID, gone.Info.NodeID];
      await ctx.store.agentCursors.advance(idA, 7n, tick());
      expect(await ctx.store.nodeStatus.disconnect(idGone, tick())).toBe(true);
      const unknown = unique('n-none-');
      const at = tick();
      const healthy = { ...report, Healthy: true, HealthReason: '' };
      const beats = [idA, idB, idGone, unknown].map((id) => ({ id, report }));
      // A node given twice takes its last report.
      const result = await ctx.store.nodeStatus.heartbeatMany([...beats, { id: idB, report: healthy }], at);
      expect(Object.fromEntries(result)).toEqual({
        [idA]: { connected: true, lastSeqApplied: 7n },
        [idB]: { connected: true, lastSeqApplied: 0n },
        [idGone]: { connected: false, lastSeqApplied: 0n },
        [unknown]: { connected: false, lastSeqApplied: 0n },
      });
      expect(await ctx.store.nodeStatus.find(idA)).toMatchObject({ healthy: false, lastHeartbeat: at });
      expect((await ctx.store.nodeStatus.find(idA))?.state.Info.ComputeNodeInfo).toEqual({
        ...a.Info.ComputeNodeInfo,
        AvailableCapacity: report.AvailableCapacity,
        RunningExecutions: 2,
        EnqueuedExecutions: 1,
      });
      expect(await ctx.store.nodeStatus.find(idB)).toMatchObject({
        healthy: true,
        healthReason: '',
        lastHeartbeat: at,
      });
      expect((await ctx.store.nodeStatus.find(idGone))?.lastHeartbeat).not.toBe(at);
      expect(await ctx.store.nodeStatus.heartbeatMany([], tick())).toEqual(new Map());
    });

    it('updates the info and labels of a connected node', async () => {
      const node = await connectedNode();
      const info = { ...node.Info, Labels: { zone: 'c' } };
      const record = await ctx.store.nodeStatus.updateInfo(node.Info.NodeID, info, tick());
      expect(record?.state).toEqual({ ...node, Info: info });
    });

    it('disconnects stale nodes only, once', async () => {
      const stale = await connectedNode();
      const cutoff = tick();
      const fresh = await connectedNode();
      const staleIds = await ctx.store.nodeStatus.listStale(cutoff);
      expect(staleIds).toContain(stale.Info.NodeID);
      expect(staleIds).not.toContain(fresh.Info.NodeID);
      expect(await ctx.store.nodeStatus.disconnect(fresh.Info.NodeID, tick(), cutoff)).toBe(false);
      expect(await ctx.store.nodeStatus.disconnect(stale.Info.NodeID, tick(), cutoff)).toBe(true);
      expect(await ctx.store.nodeStatus.disconnect(stale.Info.NodeID, tick(), cutoff)).toBe(false);
      expect((await ctx.store.nodes.get(stale.Info.NodeID)).Connection).toBe('DISCONNECTED');
      expect(await ctx.store.nodeStatus.listStale(cutoff)).not.toContain(stale.Info.NodeID);
    });

    it('lists the jobs with unfinished executions on a node, ended jobs included (each must end)', async () => {
      const node = unique('n-st-');
      const jobs: Job[] = [];
      const place = async (job: Job, compute: C, desired: D, on = node) => {
        if (!jobs.includes(job)) {
          jobs.push(job);
          await ctx.store.jobs.insert(job);
        }
        const execution = makeExecution(job, {
          NodeID: on,
          ComputeState: { StateType: compute, Message: '' },
          DesiredState: { StateType: desired, Message: '' },
        });
        await ctx.store.executions.insert(execution);
      };
      const running = makeJob({ Priority: 5 });
      const asked = makeJob({ Type: 'ops' });
      const stopping = makeJob(); // holds a reservation until the agent confirms the stop
      const ended = makeJob();
      const elsewhere = makeJob();
      const finished = makeJob({ State: { StateType: 'Completed', Message: '' } });
      await place(running, C.BidAccepted, D.Running);
      await place(running, C.Completed, D.Running);
      await place(asked, C.New, D.Pending);
      await place(stopping, C.AskForBidAccepted, D.Stopped);
      await place(ended, C.Failed, D.Running);
      await place(ended, C.AskForBid, D.Stopped);
      await place(elsewhere, C.BidAccepted, D.Running, unique('n-other-'));
      await place(finished, C.BidAccepted, D.Running);
      const refs = await ctx.store.nodeStatus.jobsWithLiveExecutions(node);
      // `ended` keeps a withdrawn ask, `finished` a run: on a lost node no agent will end them.
      const expected = [running, asked, stopping, ended, finished]
        .map((j) => ({ ID: j.ID, Namespace: j.Namespace, Type: j.Type, Priority: j.Priority }))
        .sort((a, b) => (a.ID < b.ID ? -1 : 1));
      expect(refs).toEqual(expected);
    });
  });
}
