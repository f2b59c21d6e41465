import { describe, expect, it } from 'vitest';
import { COMPUTE_STATES, DESIRED_STATES, JOB_STATES } from './enums.js';
import {
  canTransitionCompute,
  canTransitionDesired,
  canTransitionJob,
  isTerminalComputeState,
  isTerminalDesiredState,
  isTerminalJobState,
} from './transitions.js';

// Expected edges written out independently of the tables, as "from>to" pairs (self-moves excluded).
const JOB_EDGES = new Set([
  'Undefined>Pending',
  'Pending>Queued',
  'Pending>Running',
  'Pending>Completed',
  'Pending>Failed',
  'Pending>Stopped',
  'Queued>Pending',
  'Queued>Running',
  'Queued>Failed',
  'Queued>Stopped',
  'Running>Queued',
  'Running>Completed',
  'Running>Failed',
  'Running>Stopped',
]);
const COMPUTE_EDGES = new Set([
  '0>1',
  '1>2',
  '1>8',
  '1>9',
  '2>3',
  '2>4',
  '2>5',
  '2>7',
  '2>8',
  '2>9',
  '3>5',
  '3>6',
  '3>7',
  '3>8',
  '3>9',
  '5>7',
  '5>8',
  '5>9',
]);
const DESIRED_EDGES = new Set(['0>1', '0>2', '1>2']);

describe('job state transitions', () => {
  it('has exactly the terminal states Completed, Failed and Stopped', () => {
    expect(JOB_STATES.filter(isTerminalJobState)).toEqual(['Completed', 'Failed', 'Stopped']);
  });

  for (const from of JOB_STATES) {
    for (const to of JOB_STATES) {
      const selfUpdate = from === to && from !== 'Undefined' && !isTerminalJobState(from);
      const expected = selfUpdate || JOB_EDGES.has(`${from}>${to}`);
      it(`${from} → ${to} is ${expected ? 'allowed' : 'refused'}`, () => {
        expect(canTransitionJob(from, to)).toBe(expected);
      });
    }
  }
});

describe('execution compute state transitions', () => {
  it('has exactly the terminal states 4, 6, 7, 8, 9', () => {
    expect(COMPUTE_STATES.filter(isTerminalComputeState)).toEqual([4, 6, 7, 8, 9]);
  });

  it('reproduces the v1 jobs API example execution history 1→1, 1→2, 2→3, 3→3, 3→5, 5→7', () => {
    const seed: Array<[0 | 1 | 2 | 3 | 5, 1 | 2 | 3 | 5 | 7]> = [
      [1, 1],
      [1, 2],
      [2, 3],
      [3, 3],
      [3, 5],
      [5, 7],
    ];
    for (const [from, to] of seed) expect(canTransitionCompute(from, to)).toBe(true);
  });

  for (const from of COMPUTE_STATES) {
    for (const to of COMPUTE_STATES) {
      const selfUpdate = from === to && from !== 0 && !isTerminalComputeState(from);
      const expected = selfUpdate || COMPUTE_EDGES.has(`${from}>${to}`);
      it(`${from} → ${to} is ${expected ? 'allowed' : 'refused'}`, () => {
        expect(canTransitionCompute(from, to)).toBe(expected);
      });
    }
  }
});

describe('execution desired state transitions', () => {
  it('has Stopped as its only terminal state', () => {
    expect(DESIRED_STATES.filter(isTerminalDesiredState)).toEqual([2]);
  });

  for (const from of DESIRED_STATES) {
    for (const to of DESIRED_STATES) {
      const expected = (from === to && from !== 2) || DESIRED_EDGES.has(`${from}>${to}`);
      it(`${from} → ${to} is ${expected ? 'allowed' : 'refused'}`, () => {
        expect(canTransitionDesired(from, to)).toBe(expected);
      });
    }
  }
});
