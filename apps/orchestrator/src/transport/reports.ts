import {
  ORCHESTRATOR_SUBSCRIPTIONS,
  Receiver,
  type StreamHandler,
  type StreamRunHandler,
  serveReceiver,
} from '@shoal/protocol';
import { applyReports, type ReportDeps } from '../lifecycle/apply-reports.js';
import type { Repos, Store } from '../store/index.js';
import { agentSeqTracker } from './store-ports.js';

export type { ReportDeps } from '../lifecycle/apply-reports.js';

/**
 * Agents' reports (`shoal.compute.*.out`) applied to the store. The protocol's Receiver orders and
 * deduplicates them by seq; this handler runs inside the transaction that also moves the agent's
 * cursor, so a report and the record of having applied it commit together.
 *
 * When several reports of one agent wait, the Receiver applies them as one run in one transaction
 * (group commit). A refused report changes nothing and is logged, but still commits the cursor:
 * the stream moves on. A lost compare-and-swap is not a refusal: it throws, the
 * agent gets `apply_failed` and resends the report, which is judged against the execution as it
 * is then.
 */

/** One report: a run of one. */
export function reportHandler(deps: ReportDeps): StreamHandler<Repos> {
  return (envelope, tx) => applyReports([envelope], tx, deps);
}

/** A run of one agent's reports, in seq order, in the transaction that moves its cursor past them. */
export function reportRunHandler(deps: ReportDeps): StreamRunHandler<Repos> {
  return (envelopes, tx) => applyReports(envelopes, tx, deps);
}

export interface ReportReceiverOptions extends ReportDeps {
  nc: Parameters<typeof serveReceiver>[0];
  store: Store;
  /** Shared by every orchestrator, so each report is handled by one of them. */
  queue?: string;
}

/** Subscribes to every agent's report stream. */
export function serveReports(options: ReportReceiverOptions): ReturnType<typeof serveReceiver> {
  const { nc, store, clock, logger, queue } = options;
  const receiver = new Receiver<Repos>({
    tracker: agentSeqTracker(store, clock),
    handle: reportHandler(options),
    handleRun: reportRunHandler(options),
    channel: 'out',
    logger,
  });
  return serveReceiver(nc, ORCHESTRATOR_SUBSCRIPTIONS.out, receiver, {
    logger,
    ...(queue === undefined ? {} : { queue }),
  });
}
