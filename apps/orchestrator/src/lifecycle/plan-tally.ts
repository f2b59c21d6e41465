import { JobStateType, type Nanos } from '@shoal/models';
import type { PlanCounts } from '../metrics/ports.js';
import type { Plan, SchedulerSnapshot } from '../planner/index.js';

/**
 * What the plans of one evaluation batch did, gathered while the batch runs and handed to the
 * metrics once it committed. It reads only the snapshot and plan already in memory: no query.
 */
export class PlanTally implements PlanCounts {
  placed = 0;
  queued = 0;
  failed = 0;
  readonly queueWaits: number[] = [];

  add(snapshot: SchedulerSnapshot, plan: Plan, now: Nanos): void {
    const placed = plan.newExecutions.length;
    this.placed += placed;
    // A job's first execution ends its wait in the queue; later ones are retries or more nodes.
    if (placed > 0 && snapshot.executions.length === 0) {
      this.queueWaits.push(Math.max(0, Number(now - snapshot.job.CreateTime) / 1e9));
    }
    const next = plan.jobState?.StateType;
    if (next === undefined || next === snapshot.job.State.StateType) return;
    if (next === JobStateType.Queued) this.queued++;
    else if (next === JobStateType.Failed) this.failed++;
  }

  get empty(): boolean {
    return this.placed === 0 && this.queued === 0 && this.failed === 0;
  }
}
