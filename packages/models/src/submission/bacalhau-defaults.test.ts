import { describe, expect, it } from 'vitest';
import type { PrepareJobOptions } from './prepare.js';
import { prepareJobSubmission } from './prepare.js';

/** The defaults Bacalhau's orchestrator applies, applied by prepareJobSubmission too. */

const opts: PrepareJobOptions = {
  id: 'j-00000000-0000-4000-8000-000000000000',
  now: 1n,
  requesterId: 'n-req',
};
const job = (top: Record<string, unknown> = {}, task: Record<string, unknown> = {}) => ({
  Type: 'batch',
  Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'busybox' } }, ...task }],
  ...top,
});
function ok(input: unknown) {
  const result = prepareJobSubmission(input, opts);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result;
}

describe('Bacalhau defaults', () => {
  it('gives batch and ops tasks a 1800 s ExecutionTimeout, daemon and service none', () => {
    expect(ok(job()).job.Tasks[0]?.Timeouts.ExecutionTimeout).toBe(1800);
    expect(ok(job({ Type: 'ops' })).job.Tasks[0]?.Timeouts.ExecutionTimeout).toBe(1800);
    expect(ok(job({ Type: 'daemon' })).job.Tasks[0]?.Timeouts.ExecutionTimeout).toBe(0);
    expect(ok(job({ Type: 'service' })).job.Tasks[0]?.Timeouts.ExecutionTimeout).toBe(0);
    expect(ok(job({}, { Timeouts: { ExecutionTimeout: 60 } })).job.Tasks[0]?.Timeouts.ExecutionTimeout).toBe(
      60,
    );
  });

  it('keeps the default within a TotalTimeout the client set', () => {
    const timeouts = ok(job({}, { Timeouts: { QueueTimeout: 100, TotalTimeout: 600 } })).job.Tasks[0]
      ?.Timeouts;
    expect(timeouts).toEqual({ ExecutionTimeout: 500, QueueTimeout: 100, TotalTimeout: 600 });
  });

  it('normalises ops and daemon Counts as Bacalhau’s Job.Normalize does: 0 or none is 1, any other kept', () => {
    for (const Type of ['ops', 'daemon']) {
      const one = ok(job({ Type, Count: 1 }));
      expect(one.job.Count).toBe(1);
      expect(one.warnings).toEqual([]);
      expect(ok(job({ Type, Count: 0 })).job.Count).toBe(1);
      expect(ok(job({ Type })).job.Count).toBe(1);
      const three = ok(job({ Type, Count: 3 }));
      expect(three.job.Count).toBe(3);
      expect(three.warnings).toEqual([
        `Count 3 is ignored for ${Type} jobs: they run on every matching node`,
      ]);
    }
  });

  it('strips bacalhau.org/ meta from the input and records the requester', () => {
    const result = ok(job({ Meta: { 'bacalhau.org/requester.id': 'forged', owner: 'me' } }));
    expect(result.job.Meta).toEqual({ owner: 'me', 'bacalhau.org/requester.id': 'n-req' });
    expect(result.warnings).toEqual([
      'meta key bacalhau.org/requester.id is set by the orchestrator; the submitted value was ignored',
    ]);
  });

  it('puts a job submitted without a namespace in default', () => {
    expect(ok(job()).job.Namespace).toBe('default');
    expect(ok(job({ Namespace: '' })).job.Namespace).toBe('default');
  });
});
