import { Receiver, type StreamEnvelope, type StreamMetrics } from '@shoal/protocol';
import type { ExecutionManager } from '../execution/execution-manager.js';
import { type Logger, safeLog } from '../logger.js';
import type { InboundSeqTracker, Tx } from '../store/index.js';

/**
 * The orchestrator → agent stream. Each command runs inside the seq tracker's transaction, so its
 * effect (state + report) and "seq n applied" commit together: a crash in between re-delivers
 * the command instead of losing or doubling it. The manager validates payloads and handles
 * business refusals itself; it throws only on storage failures, which the sender retries.
 */
export function inboundReceiver(deps: {
  tracker: InboundSeqTracker;
  manager: ExecutionManager;
  logger: Logger;
  metrics?: StreamMetrics;
}): Receiver<Tx> {
  const { manager } = deps;
  const handle = async (envelope: StreamEnvelope, tx: Tx): Promise<void> => {
    switch (envelope.type) {
      case 'AskForBid':
        return manager.onAskForBid(envelope.payload, tx);
      case 'BidAccepted':
        return manager.onBidAccepted(envelope.payload, tx);
      case 'BidRejected':
        return manager.onBidRejected(envelope.payload, tx);
      case 'CancelExecution':
        return manager.onCancel(envelope.payload, tx);
      default:
        // The decoder refuses `.out` types on `.in` already; this only keeps the switch total.
        safeLog(deps.logger, 'warn', { type: envelope.type, seq: envelope.seq }, 'unexpected message on .in');
    }
  };
  return new Receiver<Tx>({
    tracker: deps.tracker,
    channel: 'in',
    logger: deps.logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    handle,
    // Commands that queued up (a scheduling batch asks a node for several bids at once) are applied
    // in one transaction: one commit, so one fsync, for the lot.
    handleRun: async (envelopes, tx) => {
      for (const envelope of envelopes) await handle(envelope, tx);
    },
  });
}
