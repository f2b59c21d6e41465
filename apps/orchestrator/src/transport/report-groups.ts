import type { Clock } from '@shoal/models';
import type { SeqTracker, StreamEnvelope } from '@shoal/protocol';
import type { Repos, Store } from '../store/index.js';

/**
 * Group commit for agents' reports, across agents. The protocol's receiver already applies the
 * reports that queued for one agent as one run; with many agents each run was still a transaction
 * of its own (read the jobs, write them back, move the cursor: about ten statements), and those
 * were most of the statements behind a placement. Here the runs of every agent that arrive while a
 * group is being written go into the next group: one transaction, every agent's cursor moved in one
 * statement, every report applied by one call (one read of their jobs, one write).
 *
 * What the receiver sees does not change: each run is applied (true), lost to another delivery
 * (false) or failed (throws, and the receiver falls back to one message at a time). A group that
 * fails is retried run by run, so one agent's bad run costs the others a retry, not their reports.
 *
 * Each cursor moves first in the transaction, guarded on the run's first seq: the row lock makes a
 * concurrent delivery of the same reports (another orchestrator) wait, then find them applied, and
 * a run of which any report was applied meanwhile is applied not at all. What this process applied
 * last is remembered, so a steady stream costs no cursor read. The memory can only be behind the
 * table (cursors only grow, and another orchestrator may move one): then the guard refuses, the
 * entry is forgotten and the receiver's re-read sees the table. It is set only after the commit.
 */

/** What a run's handler gets: it hands over its reports instead of applying them itself. */
export interface ReportCollector {
  add(envelopes: readonly StreamEnvelope[]): void;
}

/**
 * Applies reports of any agents (each agent's in seq order) inside the group's transaction; may
 * return what to run once that transaction has committed.
 */
export type ApplyReports = (
  envelopes: readonly StreamEnvelope[],
  tx: Repos,
) => Promise<(() => void) | undefined> | Promise<void>;

interface Entry {
  peer: string;
  firstSeq: bigint;
  lastSeq: bigint;
  fn: (ctx: ReportCollector) => Promise<void>;
  settle: (outcome: { moved: boolean } | { error: unknown }) => void;
}

/** Runs in one group at most: bounds one transaction. */
const MAX_GROUP = 64;

export function groupedReportTracker(
  store: Store,
  clock: Clock,
  applyReports: ApplyReports,
): SeqTracker<ReportCollector> {
  const applied = new Map<string, bigint>();
  let waiting: Entry[] = [];
  let writing = false;

  /** One transaction for the entries (one per peer); which moved, or the error. */
  const commit = (entries: readonly Entry[]) =>
    store.transaction(async (tx) => {
      const moves = entries.map((e) => ({ nodeId: e.peer, seq: e.lastSeq, below: e.firstSeq }));
      const moved = await tx.agentCursors.advanceMany(moves, clock.now());
      const reports: StreamEnvelope[] = [];
      const collector: ReportCollector = { add: (envelopes) => reports.push(...envelopes) };
      for (const entry of entries) if (moved.has(entry.peer)) await entry.fn(collector);
      const applied = reports.length > 0 ? await applyReports(reports, tx) : undefined;
      return { moved, afterCommit: typeof applied === 'function' ? applied : undefined };
    });

  const settle = (entry: Entry, moved: boolean) => {
    if (moved) applied.set(entry.peer, entry.lastSeq);
    else applied.delete(entry.peer);
    entry.settle({ moved });
  };

  async function write(entries: Entry[]): Promise<void> {
    try {
      const { moved, afterCommit } = await commit(entries);
      afterCommit?.();
      for (const entry of entries) settle(entry, moved.has(entry.peer));
    } catch (error) {
      if (entries.length === 1) {
        applied.delete((entries[0] as Entry).peer);
        (entries[0] as Entry).settle({ error });
        return;
      }
      for (const entry of entries) await write([entry]);
    }
  }

  async function drain(): Promise<void> {
    try {
      while (waiting.length > 0) {
        // One entry per peer: a peer's later run (after a lost race) waits for the next group.
        const group: Entry[] = [];
        const rest: Entry[] = [];
        const peers = new Set<string>();
        for (const entry of waiting) {
          if (group.length < MAX_GROUP && !peers.has(entry.peer)) {
            peers.add(entry.peer);
            group.push(entry);
          } else rest.push(entry);
        }
        waiting = rest;
        await write(group);
      }
    } finally {
      writing = false;
    }
  }

  const enqueue = (peer: string, firstSeq: bigint, lastSeq: bigint, fn: Entry['fn']) =>
    new Promise<boolean>((resolve, reject) => {
      const entry: Entry = {
        peer,
        firstSeq,
        lastSeq,
        fn,
        settle: (outcome) => ('error' in outcome ? reject(outcome.error) : resolve(outcome.moved)),
      };
      waiting.push(entry);
      if (!writing) {
        writing = true;
        // After the current tick, so the runs of requests read from the socket together go together.
        queueMicrotask(() => void drain());
      }
    });

  return {
    async lastApplied(peer) {
      const known = applied.get(peer);
      if (known !== undefined) return known;
      const stored = await store.agentCursors.lastApplied(peer);
      applied.set(peer, stored);
      return stored;
    },
    apply: (peer, seq, fn) => enqueue(peer, seq, seq, fn),
    applyRun: (peer, firstSeq, lastSeq, fn) => enqueue(peer, firstSeq, lastSeq, fn),
  };
}
