import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { renderTable } from '../output/table.js';
import { ran, testExecution, testJob } from '../testing/records.js';
import { describeText, executionColumns } from './job-describe.js';

/** The executions table of `job describe` and `job executions`, and the output describe shows. */

const failed = testExecution({
  id: 'e-0000000a-0000-4000-8000-000000000000',
  node: 'node-1',
  compute: C.Failed,
  desired: D.Stopped,
  message: 'execution timed out after 2s',
  run: ran(137, { stdout: 'started\n', stderr: 'killed\n' }),
});
const neverRan = testExecution({
  id: 'e-0000000b-0000-4000-8000-000000000000',
  node: 'node-2',
  compute: C.Cancelled,
  desired: D.Stopped,
  message: 'job stopped',
});

describe('executionColumns', () => {
  it('shows id, node, compute and desired state, exit code (- without run output) and message', () => {
    const lines = renderTable(executionColumns(), [failed, neverRan], { tty: false, wide: false })
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(lines.map((l) => [...l.slice(0, 5), l.at(-1)])).toEqual([
      ['ID', 'NODE', 'STATE', 'DESIRED', 'EXIT', 'MESSAGE'],
      ['e-0000000a', 'node-1', 'Failed', 'Stopped', '137', 'execution timed out after 2s'],
      ['e-0000000b', 'node-2', 'Cancelled', 'Stopped', '-', 'job stopped'],
    ]);
  });
});

describe('describeText', () => {
  it('ends with what each execution printed, stdout and stderr apart', () => {
    const text = describeText(
      { Job: testJob({ state: 'Failed' }), Executions: { NextToken: '', Executions: [failed, neverRan] } },
      { tty: false, wide: false },
    );
    expect(text).toMatch(/^State\s+= Failed$/m);
    expect(text).toMatch(
      /Standard output of e-0000000a\n {2}started\n\nStandard error of e-0000000a\n {2}killed\n$/,
    );
  });
});
