import {
  createIdGenerator,
  ErrorCode,
  isShoalError,
  type NodeMembership as Membership,
  manualClock,
} from '@shoal/models';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeNode } from '../api/test-support.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { NodeService } from './node-service.js';

let store: Store;
let writes: string[];
let service: NodeService;
const clock = manualClock();

beforeAll(async () => {
  store = await openStore({ url: 'pglite:memory' });
  writes = [];
  // Count membership writes, to see that a repeated decision changes nothing.
  const counting = <R extends Pick<Store, 'nodes'>>(repos: R): R => ({
    ...repos,
    nodes: {
      ...repos.nodes,
      setMembership: (id: string, membership: Membership, now: bigint) => {
        writes.push(`${id}:${membership}`);
        return repos.nodes.setMembership(id, membership, now);
      },
    },
  });
  const counted: Store = {
    ...counting(store),
    transaction: (fn) => store.transaction((tx) => fn(counting(tx))),
  };
  service = new NodeService({
    store: counted,
    clock,
    ids: createIdGenerator(),
    logger: pino({ level: 'silent' }),
  });
  await store.nodes.upsert(computeNode('n-pending', {}, 'PENDING'), clock.now());
});
afterAll(async () => {
  await store.close();
});

describe('node actions', () => {
  it('approves once; approving again succeeds without a write', async () => {
    expect(await service.act('n-pend', { Action: 'approve' })).toEqual({ Success: true });
    expect(await service.act('n-pending', { Action: 'approve' })).toEqual({ Success: true });
    expect(writes).toEqual(['n-pending:APPROVED']);
    expect((await store.nodes.get('n-pending')).Membership).toBe('APPROVED');
  });

  it('rejects, then deletes', async () => {
    await service.act('n-pending', { Action: 'reject', Message: 'unknown host' });
    expect((await service.get('n-pending')).Node.Membership).toBe('REJECTED');
    await service.act('n-pending', { Action: 'delete' });
    const error = await service.get('n-pending').catch((e: unknown) => e);
    expect(isShoalError(error) && error.code).toBe(ErrorCode.NotFound);
  });
});
