import type { NodeRecord, NodeStatusRepo } from '../store/index.js';

interface Cached {
  schedRevision: number;
  record: NodeRecord;
}

/**
 * The nodes as placement sees them, kept between scheduling batches. Reading every node's row
 * (its whole info document) for every batch made placement among 10,000 nodes crawl; this reads
 * each node's id and `schedRevision` instead, and the full row only of nodes whose revision moved
 * since they were cached (joined, changed, connected or lost, approved, health flipped). Heartbeats
 * do not move it, so a steady fleet costs one narrow list per batch.
 *
 * Correct whatever commits in between: the list is read inside the batch's transaction, a node
 * missing from it is dropped, and a row is cached with the revision it was read at, so a change
 * that lands between the two reads is seen again at the next batch rather than lost.
 *
 * What it holds for connected nodes is not live: their last heartbeat and the capacity figures a
 * heartbeat refreshes are as of the last change. Placement reads neither (it counts reservations
 * itself); a disconnected node's last heartbeat, which it does read, is frozen by the disconnection
 * that moved the revision.
 */
export class NodeCatalog {
  private readonly nodes = new Map<string, Cached>();
  private sorted: NodeRecord[] | undefined;

  /** Every stored node, ordered by id, as of this transaction. */
  async list(repo: NodeStatusRepo): Promise<NodeRecord[]> {
    const revisions = await repo.schedRevisions();
    for (const id of this.nodes.keys()) {
      if (!revisions.has(id)) this.forget(id);
    }
    const stale: string[] = [];
    for (const [id, revision] of revisions) {
      if (this.nodes.get(id)?.schedRevision !== revision) stale.push(id);
    }
    if (stale.length > 0) {
      for (const { schedRevision, ...record } of await repo.findMany(stale)) {
        this.nodes.set(record.state.Info.NodeID, { schedRevision, record });
      }
      this.sorted = undefined;
    }
    this.sorted ??= [...this.nodes.values()]
      .map((c) => c.record)
      .sort((a, b) => (a.state.Info.NodeID < b.state.Info.NodeID ? -1 : 1));
    return this.sorted;
  }

  private forget(id: string): void {
    this.nodes.delete(id);
    this.sorted = undefined;
  }
}
