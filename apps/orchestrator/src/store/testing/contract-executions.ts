import { ComputeStateType as C, ErrorCode, type Execution, shortId } from '@shoal/models';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ListExecutionsQuery } from '../types.js';
import { makeExecution, makeJob, runOutput, tick } from './fixtures.js';
import { rejection, type StoreContext, walk } from './harness.js';

type Order = ListExecutionsQuery['orderBy'];

const compare = (a: bigint | number | string, b: bigint | number | string) => (a < b ? -1 : a > b ? 1 : 0);
const SORT_VALUE: Record<Order, (e: Execution) => bigint | number | string> = {
  modify_time: (e) => e.ModifyTime,
  create_time: (e) => e.CreateTime,
  state: (e) => e.ComputeState.StateType,
  id: (e) => e.ID,
};
const sorted = (list: Execution[], order: Order) =>
  [...list].sort((a, b) => compare(SORT_VALUE[order](a), SORT_VALUE[order](b)) || compare(a.ID, b.ID));

export function executionsContract(ctx: StoreContext): void {
  describe('executions', () => {
    const job = makeJob();
    const list: Execution[] = [];
    const states = [C.New, C.AskForBid, C.BidAccepted, C.Completed, C.Failed, C.Completed];
    beforeAll(async () => {
      await ctx.store.jobs.insert(job);
      for (let i = 0; i < 15; i++) {
        const created = tick();
        // Modify times run backwards, so each order really is a different one.
        const execution = makeExecution(job, {
          ComputeState: { StateType: states[i % states.length] ?? C.New, Message: `#${i}` },
          CreateTime: created,
          ModifyTime: created + BigInt(1_000_000 - i * 10_000),
        });
        list.push(execution);
        await ctx.store.executions.insert({ ...execution, partition: i % 3 });
      }
    });

    it('stores executions as given and finds them by id or prefix', async () => {
      const [first] = list as [Execution];
      expect(await ctx.store.executions.get(first.ID)).toEqual(first);
      expect(await ctx.store.executions.get(shortId(first.ID))).toEqual(first);
      expect((await ctx.store.executions.get(first.ID)).RunOutput).toBeNull();
      const missing = await rejection(ctx.store.executions.get('e-00000000'), ErrorCode.NotFound);
      expect(missing.message).toBe('execution not found: e-00000000');
      await rejection(ctx.store.executions.get('e-'), ErrorCode.Ambiguous);
    });

    it.each([
      ['modify_time', false],
      ['modify_time', true],
      ['create_time', false],
      ['state', false],
      ['state', true],
      ['id', false],
      ['id', true],
    ] as const)('orders by %s (reverse %s) and pages without gaps', async (orderBy, reverse) => {
      const expected = sorted(list, orderBy).map((e) => e.ID);
      if (reverse) expected.reverse();
      const pages = await walk((nextToken) =>
        ctx.store.executions.list(job.ID, {
          orderBy,
          reverse,
          limit: 4,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 3]);
      expect(pages.flat().map((e) => e.ID)).toEqual(expected);
    });

    it('lists only the executions of the job', async () => {
      const page = await ctx.store.executions.list(makeJob().ID, {
        orderBy: 'id',
        reverse: false,
        limit: 10,
      });
      expect(page).toEqual({ items: [], nextToken: '' });
    });

    it('lists the published results of completed executions', async () => {
      const other = makeJob();
      await ctx.store.jobs.insert(other);
      const output = runOutput('hi\n');
      const published = (key: string) => ({
        Type: 'local',
        Params: { URL: `file:///results/${key}`, Size: 12 },
      });
      const rows = [
        makeExecution(other, {
          ComputeState: { StateType: C.Completed, Message: '' },
          PublishedResult: published('a'),
          RunOutput: output,
        }),
        makeExecution(other, { ComputeState: { StateType: C.Completed, Message: '' } }), // published nothing
        makeExecution(other, {
          ComputeState: { StateType: C.Failed, Message: '' },
          PublishedResult: published('x'),
        }),
        makeExecution(other, {
          ComputeState: { StateType: C.Completed, Message: '' },
          PublishedResult: published('b'),
        }),
        makeExecution(other, {
          ComputeState: { StateType: C.Completed, Message: '' },
          PublishedResult: published('c'),
        }),
      ];
      for (const row of rows) await ctx.store.executions.insert(row);
      expect((await ctx.store.executions.get(rows[0]?.ID ?? '')).RunOutput).toEqual(output);
      const pages = await walk((token) => ctx.store.executions.listResults(other.ID, 2, token));
      expect(pages.flat().map((r) => r.result)).toEqual([published('a'), published('b'), published('c')]);
      // Each result names its execution and node, whose key signs its URL.
      const first = rows[0];
      expect(pages[0]?.[0]).toMatchObject({ executionId: first?.ID, nodeId: first?.NodeID });
      expect(pages.map((p) => p.length)).toEqual([2, 1]);
      const { nextToken } = await ctx.store.executions.listResults(other.ID, 1);
      await rejection(ctx.store.executions.listResults(job.ID, 1, nextToken), ErrorCode.BadRequest);
      await rejection(
        ctx.store.executions.list(other.ID, { orderBy: 'id', reverse: false, limit: 1, nextToken }),
        ErrorCode.BadRequest,
      );
    });
  });
}
