import { describe, expect, it } from 'vitest';
import { isEmptyPlan, schedule } from './schedule.js';
import { applyPlan } from './testing/apply-plan.js';
import { Scenario } from './testing/scenario.js';
import { situations } from './testing/situations.js';

describe('idempotence: scheduling the result of a plan changes nothing more', () => {
  it.each(situations)('%s', (_name, build) => {
    const sc = build();
    const first = schedule(sc.snapshot, sc.now);
    expect(isEmptyPlan(first)).toBe(false);
    const applied = applyPlan(sc.snapshot, first, sc.now);
    const second = schedule(applied, sc.now);
    expect(second.jobState).toBeUndefined();
    expect(second.newExecutions).toEqual([]);
    expect(second.executionUpdates).toEqual([]);
    // The follow-up is proposed again, identically, so the applier can dedupe it.
    expect(second.followUp).toEqual(first.followUp);
  });

  it.each(situations)('%s: the same snapshot always gives the same plan', (_name, build) => {
    const sc = build();
    expect(schedule(sc.snapshot, sc.now)).toEqual(schedule(structuredClone(sc.snapshot), sc.now));
  });

  it('does not depend on the order the store listed nodes and executions in', () => {
    const sc = situations[4]?.[1]() ?? new Scenario();
    const reversed = {
      ...sc.snapshot,
      nodes: [...sc.snapshot.nodes].reverse(),
      executions: [...sc.snapshot.executions].reverse(),
    };
    expect(schedule(reversed, sc.now)).toEqual(schedule(sc.snapshot, sc.now));
  });
});
