import { describe, expect, it } from 'vitest';
import type { FieldProblem } from '../errors.js';
import {
  MAX_CONSTRAINT_VALUES,
  MAX_CONSTRAINTS,
  MAX_ENV_NAME_BYTES,
  MAX_ENV_VARS,
  MAX_INPUT_SOURCES,
  MAX_LABELS,
  MAX_META_ENTRIES,
  MAX_META_KEY_BYTES,
  MAX_META_VALUE_BYTES,
  MAX_RESULT_PATHS,
} from './limits.js';
import type { PrepareJobOptions } from './prepare.js';
import { prepareJobSubmission } from './prepare.js';

/** The count and size caps of limits.ts: one over is refused naming the field; exactly at is fine. */

const opts: PrepareJobOptions = {
  id: 'j-00000000-0000-4000-8000-000000000000',
  now: 1n,
  policy: { allowedHostPaths: [{ path: '/data', readWrite: false }] },
};
const T = 'Job.Tasks[0]';

const job = (task: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  Type: 'batch',
  Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest' } }, ...task }],
  ...top,
});
const entries = (n: number, value = 'v', key = (i: number) => `k${i}`) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), value]));
const env = (n: number) => entries(n, 'v', (i) => `V${i}`);
const constraints = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Operator: '=', Values: ['v'] }));
const inValues = (n: number) => [
  { Key: 'zone', Operator: 'in', Values: Array.from({ length: n }, (_, i) => `z${i}`) },
];
const inputs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    Source: { Type: 'localDirectory', Params: { SourcePath: `/data/${i}` } },
    Target: `/in/${i}`,
  }));
const results = (n: number) => Array.from({ length: n }, (_, i) => ({ Name: `r${i}`, Path: `/out/${i}` }));
const withResults = (n: number) => job({ Publisher: { Type: 'local' }, ResultPaths: results(n) });

function problemsOf(input: unknown): FieldProblem[] {
  const result = prepareJobSubmission(input, opts);
  return result.ok ? [] : result.problems;
}

type Case = [name: string, over: unknown, atLimit: unknown, path: string, message: string];

// biome-ignore format: a table reads best one row per line
const CASES: Case[] = [
  ['labels', job({}, { Labels: entries(MAX_LABELS + 1) }), job({}, { Labels: entries(MAX_LABELS) }), 'Job.Labels', 'at most 64 labels'],
  ['job meta entries', job({}, { Meta: entries(MAX_META_ENTRIES + 1) }), job({}, { Meta: entries(MAX_META_ENTRIES) }), 'Job.Meta', 'at most 64 entries'],
  ['task meta entries', job({ Meta: entries(MAX_META_ENTRIES + 1) }), job({ Meta: entries(MAX_META_ENTRIES) }), `${T}.Meta`, 'at most 64 entries'],
  ['meta value bytes', job({}, { Meta: { a: 'é'.repeat(MAX_META_VALUE_BYTES / 2 + 1) } }), job({}, { Meta: { a: 'é'.repeat(MAX_META_VALUE_BYTES / 2) } }), 'Job.Meta.a', 'at most 4096 bytes'],
  ['task meta value bytes', job({ Meta: { a: 'x'.repeat(MAX_META_VALUE_BYTES + 1) } }), job({ Meta: { a: 'x'.repeat(MAX_META_VALUE_BYTES) } }), `${T}.Meta.a`, 'at most 4096 bytes'],
  ['meta key bytes', job({}, { Meta: { ['k'.repeat(MAX_META_KEY_BYTES + 1)]: 'v' } }), job({}, { Meta: { ['k'.repeat(MAX_META_KEY_BYTES)]: 'v' } }), `Job.Meta.${'k'.repeat(256)}`, '1-255 bytes'],
  ['env vars', job({ Env: env(MAX_ENV_VARS + 1) }), job({ Env: env(MAX_ENV_VARS) }), `${T}.Env`, 'at most 128 environment variables'],
  ['env name bytes', job({ Env: { ['A'.repeat(MAX_ENV_NAME_BYTES + 1)]: 'v' } }), job({ Env: { ['A'.repeat(MAX_ENV_NAME_BYTES)]: 'v' } }), `${T}.Env.${'A'.repeat(129)}`, 'at most 128 bytes'],
  ['env bytes, counted in UTF-8', job({ Env: { A: 'é'.repeat(33_000) } }), job({ Env: { A: 'é'.repeat(32_000) } }), `${T}.Env`, 'the limit is 65536'],
  ['constraints', job({}, { Constraints: constraints(MAX_CONSTRAINTS + 1) }), job({}, { Constraints: constraints(MAX_CONSTRAINTS) }), 'Job.Constraints', 'at most 64 constraints'],
  ['constraint values', job({}, { Constraints: inValues(MAX_CONSTRAINT_VALUES + 1) }), job({}, { Constraints: inValues(MAX_CONSTRAINT_VALUES) }), 'Job.Constraints[0].Values', 'at most 64 values'],
  ['input sources', job({ InputSources: inputs(MAX_INPUT_SOURCES + 1) }), job({ InputSources: inputs(MAX_INPUT_SOURCES) }), `${T}.InputSources`, 'at most 64 input sources'],
  ['result paths', withResults(MAX_RESULT_PATHS + 1), withResults(MAX_RESULT_PATHS), `${T}.ResultPaths`, 'at most 64 result paths'],
];

describe('submission limits', () => {
  it.each(CASES)('%s: one over is refused at its field', (_name, over, _at, path, message) => {
    const found = problemsOf(over);
    const hit = found.find((p) => p.path === path);
    expect(hit, JSON.stringify(found).slice(0, 500)).toBeDefined();
    expect(hit?.message).toContain(message);
  });

  it.each(CASES)('%s: exactly at the limit is accepted', (_name, _over, atLimit) => {
    expect(problemsOf(atLimit)).toEqual([]);
  });

  it('reports one problem for 20,000 labels, not one per label', () => {
    const found = problemsOf(job({}, { Labels: entries(20_000, 'not a label value!') }));
    expect(found).toEqual([{ path: 'Job.Labels', message: 'at most 64 labels (got 20000)' }]);
  });
});
