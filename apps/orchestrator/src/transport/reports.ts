import { ORCHESTRATOR_SUBSCRIPTIONS, Receiver, type StreamMetrics, serveReceiver } from '@shoal/protocol';
import { applyReports, type ReportDeps } from '../lifecycle/apply-reports.js';
import type { Store } from '../store/index.js';
import { groupedReportTracker, type ReportCollector } from './report-groups.js';

export type { ReportDeps } from '../lifecycle/apply-reports.js';

/**
 * Agents' reports (`shoal.compute.*.out`) applied to the store. The protocol's Receiver orders and
 * deduplicates them by seq; the tracker (report-groups.ts) applies them inside the transaction
 * that also moves the agents' cursors, so a report and the record of having applied it commit
 * together. Reports queued for one agent make one run; the runs of several agents that arrive
 * together make one transaction (group commit).
 *
 * A refused report changes nothing and is logged, but still commits the cursor: the stream moves
 * on. A lost compare-and-swap is not a refusal: it throws, the agent gets `apply_failed` and
 * resends the report, which is judged against the execution as it is then.
 */

export interface ReportReceiverOptions extends ReportDeps {
  nc: Parameters<typeof serveReceiver>[0];
  store: Store;
  /** Shared by every orchestrator, so each report is handled by one of them. */
  queue?: string;
  /** Counts the reports received and how they were answered. */
  metrics?: StreamMetrics;
}

/** Subscribes to every agent's report stream. */
export function serveReports(options: ReportReceiverOptions): ReturnType<typeof serveReceiver> {
  const { nc, store, clock, logger, queue } = options;
  const receiver = new Receiver<ReportCollector>({
    tracker: groupedReportTracker(store, clock, (envelopes, tx) => applyReports(envelopes, tx, options)),
    handle: async (envelope, collector) => collector.add([envelope]),
    handleRun: async (envelopes, collector) => collector.add(envelopes),
    channel: 'out',
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return serveReceiver(nc, ORCHESTRATOR_SUBSCRIPTIONS.out, receiver, {
    logger,
    ...(queue === undefined ? {} : { queue }),
  });
}
