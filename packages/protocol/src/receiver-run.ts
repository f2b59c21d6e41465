import type { StreamEnvelope } from './envelope.js';
import { errorMessage, type Logger, safeLog } from './logger.js';
import type { SeqTracker } from './ports.js';
import { ack, errorReply, nack, type Reply } from './replies.js';
import type { StreamMetrics } from './stream-metrics.js';

/**
 * Group apply: the receiver's decisions (see receiver.ts) taken for every message queued for a
 * peer at once. A sender keeps a window of messages in flight, so under load many wait behind the
 * one being applied; deciding them one by one costs a read and a transaction each. Here a drain
 * reads the last applied seq once, answers duplicates and gaps without a query, and applies each
 * contiguous run in one `applyRun`. The replies are those the one-at-a-time path would give.
 */

/** Applies a run of one peer's messages, in seq order, inside `tracker.applyRun`. */
export type StreamRunHandler<Ctx> = (envelopes: StreamEnvelope[], ctx: Ctx) => Promise<void>;

/** Messages taken from a peer's queue at a time: bounds the size of one transaction. */
export const MAX_RUN = 64;

export interface RunQueuesOptions<Ctx> {
  lastApplied: SeqTracker<Ctx>['lastApplied'];
  applyRun: NonNullable<SeqTracker<Ctx>['applyRun']>;
  handleRun: StreamRunHandler<Ctx>;
  /** The one-at-a-time path (never throws), for the messages of a run that could not commit. */
  decideOne: (envelope: StreamEnvelope) => Promise<Reply>;
  logger: Logger;
  metrics: StreamMetrics;
}

interface Waiting {
  envelope: StreamEnvelope;
  answer: (reply: Reply) => void;
}

export class RunQueues<Ctx> {
  /** A peer is in the map while it is being drained; what arrives meanwhile joins its queue. */
  private readonly queues = new Map<string, Waiting[]>();

  constructor(private readonly options: RunQueuesOptions<Ctx>) {}

  /** Queues a message of its peer's stream; resolves with its reply. Never rejects. */
  enqueue(envelope: StreamEnvelope): Promise<Reply> {
    return new Promise((answer) => {
      const queue = this.queues.get(envelope.nodeId);
      if (queue) {
        queue.push({ envelope, answer });
        return;
      }
      const started: Waiting[] = [{ envelope, answer }];
      this.queues.set(envelope.nodeId, started);
      void this.drain(envelope.nodeId, started);
    });
  }

  private async drain(peer: string, queue: Waiting[]): Promise<void> {
    // Requests read from the socket together are delivered in one tick: let them join the first run.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_RUN);
      const replies = await this.decide(
        peer,
        batch.map((w) => w.envelope),
      );
      batch.forEach((waiting, i) => {
        waiting.answer(replies[i] ?? errorReply('apply_failed', 'no decision was taken'));
      });
    }
    this.queues.delete(peer);
  }

  /** One reply per message of `batch` (in arrival order), as if each had been decided in turn. */
  private async decide(peer: string, batch: StreamEnvelope[]): Promise<Reply[]> {
    const { lastApplied, decideOne, logger, metrics } = this.options;
    const replies: Reply[] = [];
    let lostAt = -1;
    try {
      let last = await lastApplied(peer);
      while (replies.length < batch.length) {
        const pos = replies.length;
        const first = batch[pos] as StreamEnvelope;
        if (first.seq <= last) {
          logDecision(logger, 'duplicate', first, last, metrics);
          replies.push(ack(first.seq));
        } else if (first.seq > last + 1n && !first.resync) {
          logDecision(logger, 'gap', first, last, metrics);
          replies.push(nack(last + 1n));
        } else {
          const { segment, run } = runFrom(batch, pos);
          const outcome = await this.applyRun(peer, run);
          if (outcome === 'lost' && lostAt !== pos) {
            // Another delivery committed meanwhile: what it applied is a duplicate now. Once per
            // position, in case the tracker refuses without the cursor having moved.
            lostAt = pos;
            last = await lastApplied(peer);
          } else if (outcome === 'applied') {
            if (first.seq > last + 1n) logDecision(logger, 'resync', first, last, metrics);
            last = (run.at(-1) as StreamEnvelope).seq;
            for (const envelope of segment) {
              if (!run.includes(envelope)) logDecision(logger, 'duplicate', envelope, last, metrics);
              replies.push(ack(envelope.seq));
            }
          } else {
            for (const envelope of segment) replies.push(await decideOne(envelope));
            last = await lastApplied(peer);
          }
        }
      }
    } catch (error) {
      const fields = { peer, answered: replies.length, err: errorMessage(error) };
      safeLog(logger, 'warn', fields, 'reading the last applied seq failed');
      const reply = errorReply('apply_failed', `reading the last applied seq failed: ${errorMessage(error)}`);
      while (replies.length < batch.length) replies.push(reply);
    }
    return replies;
  }

  /** `lost` when another delivery won the race, `failed` when the handler (or the store) threw. */
  private async applyRun(peer: string, run: StreamEnvelope[]): Promise<'applied' | 'lost' | 'failed'> {
    const { applyRun, handleRun, logger } = this.options;
    const firstSeq = (run[0] as StreamEnvelope).seq;
    const lastSeq = (run.at(-1) as StreamEnvelope).seq;
    try {
      return (await applyRun(peer, firstSeq, lastSeq, (ctx) => handleRun(run, ctx))) ? 'applied' : 'lost';
    } catch (error) {
      const fields = { peer, firstSeq, lastSeq, err: errorMessage(error) };
      safeLog(logger, 'warn', fields, 'applying a run failed: applying its messages one at a time');
      return 'failed';
    }
  }
}

/**
 * The run that starts at `start` (its message, then each next seq in turn) and the `segment` of
 * the batch it spans, with the resends among them. It ends before a gap or a resync, which are
 * decided on their own once the run is applied.
 */
function runFrom(batch: StreamEnvelope[], start: number) {
  const run = [batch[start] as StreamEnvelope];
  let end = start + 1;
  for (; end < batch.length; end++) {
    const seq = (batch[end] as StreamEnvelope).seq;
    const next = (run.at(-1) as StreamEnvelope).seq + 1n;
    if (seq > next) break;
    if (seq === next) run.push(batch[end] as StreamEnvelope);
  }
  return { segment: batch.slice(start, end), run };
}

const DECISIONS = {
  duplicate: ['debug', 'duplicate message acknowledged, not applied'],
  gap: ['info', 'gap in the stream: asking the sender to rewind'],
  resync: ['warn', 'sender resynced past messages it no longer has: skipping ahead'],
} as const;

/** The log line and the count of a decision other than a plain apply; one wording for both paths. */
export function logDecision(
  logger: Logger,
  decision: keyof typeof DECISIONS,
  envelope: StreamEnvelope,
  last: bigint,
  metrics: StreamMetrics,
): void {
  metrics.decided(decision);
  const [level, msg] = DECISIONS[decision];
  const fields = { peer: envelope.nodeId, seq: envelope.seq, type: envelope.type, id: envelope.id, last };
  const skipped = decision === 'resync' ? { skipped: `${last + 1n}..${envelope.seq - 1n}` } : {};
  safeLog(logger, level, { ...fields, ...skipped }, msg);
}
