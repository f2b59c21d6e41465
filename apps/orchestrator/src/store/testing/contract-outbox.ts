import { ErrorCode, type Job } from '@shoal/models';
import { decodeMessage, type OutboxEnvelope, type Payload } from '@shoal/protocol';
import { describe, expect, it } from 'vitest';
import { ids, makeJob, SEED_TIME, tick, unique } from './fixtures.js';
import { rejection, type StoreContext } from './harness.js';

const cancel = (n: number): Payload<'CancelExecution'> => ({ ExecutionID: `e-${n}`, Reason: `stop ${n}` });
const ask = (job: Job): Payload<'AskForBid'> => ({
  ExecutionID: ids.execution(),
  JobID: job.ID,
  Partition: 0,
  WaitForApproval: true,
  Job: job,
});

/**
 * What a sender reads, as plain envelopes; each one's encoded bytes (sent as they are) must decode
 * to the envelope itself.
 */
async function readable(pending: Promise<OutboxEnvelope[]>) {
  return (await pending).map(({ encoded, ...envelope }) => {
    const decoded = encoded && decodeMessage(encoded, { expectedNodeId: envelope.nodeId, channel: 'in' });
    expect(decoded).toEqual({ ok: true, envelope });
    return envelope;
  });
}

export function outboxContract(ctx: StoreContext): void {
  describe('outbox', () => {
    const seqsOf = async (node: string, after = 0n) =>
      (await ctx.store.outbox.pending(node, after, 1000)).map((m) => m.seq);

    it('numbers each node from 1 without gaps and keeps the message whole', async () => {
      const [a, b] = [unique('n-out-'), unique('n-out-')];
      const job = makeJob({ CreateTime: SEED_TIME, ModifyTime: SEED_TIME + 1n });
      const first = await ctx.store.outbox.enqueue(a, 'AskForBid', ask(job), tick());
      await ctx.store.outbox.enqueue(b, 'CancelExecution', cancel(1), tick());
      await ctx.store.transaction(async (tx) => {
        await tx.outbox.enqueue(a, 'CancelExecution', cancel(2), tick());
        await tx.outbox.enqueue(a, 'BidAccepted', { ExecutionID: 'e-3' }, tick());
      });
      expect(await seqsOf(a)).toEqual([1n, 2n, 3n]);
      expect(await seqsOf(b)).toEqual([1n]);
      const [stored] = await readable(ctx.store.outbox.pending(a, 0n, 1));
      expect(stored).toEqual(first);
      // The Job's int64 times survive digit for digit.
      expect(stored?.type === 'AskForBid' && stored.payload.Job.CreateTime).toBe(SEED_TIME);
      expect(await seqsOf(a, 1n)).toEqual([2n, 3n]);
      expect((await ctx.store.outbox.pending(a, 0n, 2)).length).toBe(2);
    });

    it('enqueues several messages to one node with consecutive seqs, in the given order', async () => {
      const node = unique('n-many-');
      await ctx.store.outbox.enqueue(node, 'CancelExecution', cancel(1), tick());
      const envelopes = await ctx.store.outbox.enqueueMany(
        node,
        [
          { type: 'BidAccepted', payload: { ExecutionID: 'e-2' } },
          { type: 'CancelExecution', payload: cancel(3) },
        ],
        tick(),
      );
      expect(envelopes.map((e) => [e.seq, e.type])).toEqual([
        [2n, 'BidAccepted'],
        [3n, 'CancelExecution'],
      ]);
      expect(await readable(ctx.store.outbox.pending(node, 1n, 10))).toEqual(envelopes);
      expect(await ctx.store.outbox.enqueueMany(node, [], tick())).toEqual([]);
      // One invalid message refuses the whole call and uses up no seq.
      await rejection(
        ctx.store.outbox.enqueueMany(
          node,
          [
            { type: 'BidAccepted', payload: { ExecutionID: 'e-4' } },
            { type: 'BidAccepted', payload: { ExecutionID: '' } },
          ],
          tick(),
        ),
        ErrorCode.Validation,
      );
      expect(await seqsOf(node)).toEqual([1n, 2n, 3n]);
    });

    it('enqueues for several nodes at once, each continuing its own seqs', async () => {
      const [a, b, c] = [unique('n-all-b-'), unique('n-all-a-'), unique('n-all-c-')];
      await ctx.store.outbox.enqueue(a, 'CancelExecution', cancel(1), tick());
      const byNode = new Map([
        [a, [{ type: 'BidAccepted' as const, payload: { ExecutionID: 'e-a2' } }]],
        [c, []],
        [
          b,
          [
            { type: 'BidAccepted' as const, payload: { ExecutionID: 'e-b1' } },
            { type: 'CancelExecution' as const, payload: cancel(2) },
          ],
        ],
      ]);
      const envelopes = await ctx.store.outbox.enqueueAll(byNode, tick());
      expect(envelopes.map((e) => [e.nodeId, e.seq, e.payload.ExecutionID])).toEqual([
        [b, 1n, 'e-b1'],
        [b, 2n, 'e-2'],
        [a, 2n, 'e-a2'],
      ]);
      expect(await seqsOf(a)).toEqual([1n, 2n]);
      expect(await readable(ctx.store.outbox.pending(b, 0n, 10))).toEqual(envelopes.slice(0, 2));
      expect(await seqsOf(c)).toEqual([]);
      expect(await ctx.store.outbox.enqueueAll(new Map(), tick())).toEqual([]);
    });

    it('refuses an invalid message without using up a seq, and a rollback leaves no hole', async () => {
      const node = unique('n-out-');
      await ctx.store.outbox.enqueue(node, 'CancelExecution', cancel(1), tick());
      const bad = { ExecutionID: 'not an id!', Reason: 'x' };
      await rejection(ctx.store.outbox.enqueue(node, 'CancelExecution', bad, tick()), ErrorCode.Validation);
      await expect(
        ctx.store.transaction(async (tx) => {
          await tx.outbox.enqueue(node, 'CancelExecution', cancel(2), tick());
          throw new Error('the plan failed');
        }),
      ).rejects.toThrow('the plan failed');
      await ctx.store.outbox.enqueue(node, 'CancelExecution', cancel(3), tick());
      expect(await seqsOf(node)).toEqual([1n, 2n]);
      const [, second] = await readable(ctx.store.outbox.pending(node, 0n, 10));
      expect(second?.payload).toEqual(cancel(3));
    });

    it('keeps seqs gap-free and in commit order under concurrent writers', async () => {
      const node = unique('n-out-');
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          ctx.store.transaction((tx) => tx.outbox.enqueue(node, 'CancelExecution', cancel(i), tick())),
        ),
      );
      expect(await seqsOf(node)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    });

    it('records acknowledgements monotonically, never past what was written', async () => {
      const node = unique('n-out-');
      expect(await ctx.store.outbox.lastAcked(node)).toBe(0n);
      for (let i = 0; i < 3; i++) await ctx.store.outbox.enqueue(node, 'CancelExecution', cancel(i), tick());
      expect(await ctx.store.outbox.undelivered()).toContain(node);
      await ctx.store.outbox.acked(node, 2n);
      await ctx.store.outbox.acked(node, 1n);
      expect(await ctx.store.outbox.lastAcked(node)).toBe(2n);
      await ctx.store.outbox.acked(node, 9n);
      expect(await ctx.store.outbox.lastAcked(node)).toBe(3n);
      expect(await ctx.store.outbox.undelivered()).not.toContain(node);
      // Acknowledging a node that has no outbox yet changes nothing.
      await ctx.store.outbox.acked(unique('n-none-'), 5n);
    });

    it('continues after a seq the agent reports beyond what was written', async () => {
      const node = unique('n-out-');
      await ctx.store.outbox.enqueue(node, 'CancelExecution', cancel(1), tick());
      await ctx.store.outbox.raiseSeq(node, 7n);
      await ctx.store.outbox.raiseSeq(node, 4n);
      expect(await ctx.store.outbox.lastAcked(node)).toBe(7n);
      const next = await ctx.store.outbox.enqueue(node, 'CancelExecution', cancel(2), tick());
      expect(next.seq).toBe(8n);
      const fresh = unique('n-out-');
      await ctx.store.outbox.raiseSeq(fresh, 3n);
      expect((await ctx.store.outbox.enqueue(fresh, 'CancelExecution', cancel(1), tick())).seq).toBe(4n);
    });

    it('prunes only acknowledged messages older than the cutoff', async () => {
      const node = unique('n-out-');
      const times = [tick(), tick(), tick(), tick()];
      for (const [i, time] of times.entries()) {
        await ctx.store.outbox.enqueue(node, 'CancelExecution', cancel(i), time);
      }
      await ctx.store.outbox.acked(node, 3n);
      await ctx.store.outbox.pruneAcked(times[2] ?? 0n);
      expect(await seqsOf(node)).toEqual([3n, 4n]);
      await ctx.store.outbox.pruneAcked(tick());
      expect(await seqsOf(node)).toEqual([4n]);
    });
  });
}
