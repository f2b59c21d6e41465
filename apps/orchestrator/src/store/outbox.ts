import { randomUUID } from 'node:crypto';
import { ErrorCode, ShoalError } from '@shoal/models';
import {
  decodeMessage,
  type Envelope,
  encodeMessage,
  encodeTrusted,
  INT64_MAX,
  makeEnvelope,
  type OutboxEnvelope,
  PROTOCOL_VERSION,
  type StreamEnvelope,
} from '@shoal/protocol';
import { and, asc, eq, gt, lt, lte, sql } from 'drizzle-orm';
import { atomically, type Handle } from './db.js';
import { insertRows, recordset, rowsOf } from './recordset.js';
import { outbox, outboxHeads } from './schema.js';
import type { OutboxRepo, OutgoingMessage } from './types.js';

const COMPONENT = 'Outbox';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Per-node outboxes of messages to agents. The seq comes from the node's row in outbox_heads,
 * bumped in the writer's transaction: the row lock orders concurrent writers, so seqs are gap-free
 * and become visible in order, which is what the protocol's Sender relies on.
 */
export function outboxRepo(handle: Handle): OutboxRepo {
  const { db } = handle;
  const repo: OutboxRepo = {
    async enqueue(nodeId, type, payload, now) {
      const [envelope] = await repo.enqueueMany(nodeId, [{ type, payload } as OutgoingMessage], now);
      if (!envelope) throw new Error(`outbox of ${nodeId}: nothing enqueued`);
      return envelope;
    },

    async enqueueMany(nodeId, messages, now) {
      return repo.enqueueAll(new Map([[nodeId, messages]]), now);
    },

    async enqueueAll(byNode, now) {
      const nodes = [...byNode.keys()].filter((n) => (byNode.get(n) ?? []).length > 0).sort();
      if (nodes.length === 0) return [];
      const planned = nodes.flatMap((nodeId) =>
        (byNode.get(nodeId) ?? []).map((m) => ({ nodeId, message: m, id: `m-${randomUUID()}` })),
      );
      const envelopeOf = ({ nodeId, message, id }: (typeof planned)[number], seq: bigint) =>
        makeEnvelope(message.type, message.payload as never, {
          id,
          nodeId,
          time: now,
          seq,
        }) as StreamEnvelope;
      // Validate before taking seqs: a caller that catches the error and commits anyway must not
      // leave a hole, which would stall the node's stream for good. The widest seq makes this check
      // the size limit too.
      for (const p of planned) encodeMessage(envelopeOf(p, INT64_MAX) as Envelope);
      const counts = nodes.map((nodeId) => ({ nodeId, lastSeq: BigInt(byNode.get(nodeId)?.length ?? 0) }));
      return atomically(handle, async (tx) => {
        // One upsert for every node, rows in node order: concurrent writers lock heads in one order.
        const upserted = await tx.execute(sql`
          insert into ${outboxHeads} (node_id, last_seq)
          select node_id, last_seq from ${recordset(
            counts.map((c) => ({ node_id: c.nodeId, last_seq: c.lastSeq })),
            'node_id text, last_seq bigint',
          )}
          order by node_id
          on conflict (node_id) do update set last_seq = ${outboxHeads.lastSeq} + excluded.last_seq
          returning node_id, last_seq`);
        // Raw rows: int8 comes back as a string from postgres.js and may be a bigint from PGlite.
        const heads = rowsOf<{ node_id: string; last_seq: string | bigint }>(upserted).map((r) => ({
          nodeId: r.node_id,
          seq: BigInt(r.last_seq),
        }));
        const next = new Map<string, bigint>();
        for (const { nodeId, lastSeq } of counts) {
          const head = heads.find((h) => h.nodeId === nodeId);
          if (!head) throw new Error(`outbox head of ${nodeId} returned no row`);
          next.set(nodeId, head.seq - lastSeq + 1n);
        }
        const envelopes = planned.map((p) => {
          const seq = next.get(p.nodeId) ?? 1n;
          next.set(p.nodeId, seq + 1n);
          return envelopeOf(p, seq);
        });
        await insertRows(
          tx,
          outbox,
          envelopes.map((envelope) => ({
            nodeId: envelope.nodeId,
            seq: envelope.seq,
            type: envelope.type,
            // Validated above, before the seqs were taken: encoded once more only for the seq.
            message: decoder.decode(encodeTrusted(envelope)),
            createTime: now,
          })),
        );
        return envelopes;
      });
    },

    async pending(nodeId, afterSeq, limit) {
      const rows = await db
        .select({ seq: outbox.seq, type: outbox.type, message: outbox.message })
        .from(outbox)
        .where(and(eq(outbox.nodeId, nodeId), gt(outbox.seq, afterSeq)))
        .orderBy(asc(outbox.seq))
        .limit(limit);
      return rows.map((row) => storedEnvelope(nodeId, row.seq, row.type, row.message));
    },

    async acked(nodeId, seq) {
      // Never past the last seq written: a peer that claims more (its state outlived ours) must not
      // make messages not yet written look delivered; raiseSeq handles that case.
      await db
        .update(outboxHeads)
        .set({ ackedSeq: sql`least(greatest(${outboxHeads.ackedSeq}, ${seq}), ${outboxHeads.lastSeq})` })
        .where(eq(outboxHeads.nodeId, nodeId));
    },

    async lastAcked(nodeId) {
      const [head] = await db
        .select({ acked: outboxHeads.ackedSeq })
        .from(outboxHeads)
        .where(eq(outboxHeads.nodeId, nodeId));
      return head?.acked ?? 0n;
    },

    async raiseSeq(nodeId, seq) {
      await db
        .insert(outboxHeads)
        .values({ nodeId, lastSeq: seq, ackedSeq: seq })
        .onConflictDoUpdate({
          target: outboxHeads.nodeId,
          set: {
            lastSeq: sql`greatest(${outboxHeads.lastSeq}, ${seq})`,
            ackedSeq: sql`greatest(${outboxHeads.ackedSeq}, ${seq})`,
          },
        });
    },

    async undelivered() {
      const rows = await db
        .select({ nodeId: outboxHeads.nodeId })
        .from(outboxHeads)
        .where(gt(outboxHeads.lastSeq, outboxHeads.ackedSeq))
        .orderBy(asc(outboxHeads.nodeId));
      return rows.map((row) => row.nodeId);
    },

    async pruneAcked(before) {
      // Spelled out: the subquery must be correlated with the outer row, qualified by table name.
      const acked = sql`(select h.acked_seq from outbox_heads h where h.node_id = "outbox"."node_id")`;
      const deleted = await db
        .delete(outbox)
        .where(and(lt(outbox.createTime, before), lte(outbox.seq, acked)))
        .returning({ seq: outbox.seq });
      return deleted.length;
    },
  };
  return repo;
}

/**
 * A row as its sender needs it: the bytes it was encoded to when written (sent as they are), its
 * seq and type. The rest of the envelope is decoded (and checked) only if something reads it, a
 * resync resend or a log line, since decoding and validating every message again on its way out
 * was a large part of the CPU each message cost.
 */
function storedEnvelope(nodeId: string, seq: bigint, type: string, message: string): OutboxEnvelope {
  let full: StreamEnvelope | undefined;
  const decoded = () => {
    full ??= decodeStored(nodeId, seq, message);
    return full;
  };
  return {
    v: PROTOCOL_VERSION,
    seq,
    nodeId,
    type: type as StreamEnvelope['type'],
    encoded: encoder.encode(message),
    get id() {
      return decoded().id;
    },
    get time() {
      return decoded().time;
    },
    get payload() {
      return decoded().payload;
    },
  } as OutboxEnvelope;
}

/** Rows were validated when written; one that no longer decodes is corruption, and says so. */
function decodeStored(nodeId: string, seq: bigint, message: string): StreamEnvelope {
  const decoded = decodeMessage(encoder.encode(message), { expectedNodeId: nodeId, channel: 'in' });
  if (decoded.ok && decoded.envelope.seq === seq) return decoded.envelope as StreamEnvelope;
  const reason = decoded.ok ? `seq ${decoded.envelope.seq} stored as ${seq}` : decoded.error.message;
  throw new ShoalError(ErrorCode.Internal, `outbox message ${nodeId}#${seq} is corrupt: ${reason}`, {
    component: COMPONENT,
  });
}
