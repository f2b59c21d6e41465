import { createIdGenerator, manualClock } from '@shoal/models';
import { makeEnvelope, type OutMessageType, type Payload, type StreamEnvelope } from '@shoal/protocol';
import { pino } from 'pino';
import type { ReportDeps } from '../apply-reports.js';

/**
 * What a test of applyReports needs: its dependencies (a fixed clock, real ids, a silent logger)
 * and a builder of an agent's reports, numbered as the agent's outbox would number them.
 */
export function reportRun(): {
  deps: ReportDeps;
  report: <T extends OutMessageType>(nodeId: string, type: T, payload: Payload<T>) => StreamEnvelope;
} {
  const deps = {
    clock: manualClock(1_700_000_000_000_000_000n),
    ids: createIdGenerator(),
    logger: pino({ level: 'silent' }),
  };
  let seq = 0n;
  return {
    deps,
    report: (nodeId, type, payload) =>
      makeEnvelope(type, payload as never, { id: `m-${++seq}`, nodeId, time: 1n, seq }) as StreamEnvelope,
  };
}
