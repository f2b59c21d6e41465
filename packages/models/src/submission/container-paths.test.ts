import { describe, expect, it } from 'vitest';
import type { PrepareJobOptions } from './prepare.js';
import { prepareJobSubmission } from './prepare.js';

/**
 * Paths inside the container that the agent mounts (ResultPaths and InputSources targets): absolute,
 * never `/`, never in the container's kernel and device trees, however they are spelled.
 */

const opts: PrepareJobOptions = {
  id: 'j-00000000-0000-4000-8000-000000000000',
  now: 1n,
  policy: { allowedHostPaths: [{ path: '/data', readWrite: false }] },
};
const T = 'Job.Tasks[0]';

const task = (extra: Record<string, unknown>) => ({
  Type: 'batch',
  Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest' } }, ...extra }],
});
const resultAt = (Path: string) => task({ Publisher: { Type: 'local' }, ResultPaths: [{ Name: 'r', Path }] });
const inputAt = (Target: string) =>
  task({ InputSources: [{ Source: { Type: 'localDirectory', Params: { SourcePath: '/data' } }, Target }] });

const problems = (input: unknown) => {
  const result = prepareJobSubmission(input, opts);
  return result.ok ? [] : result.problems;
};

const REFUSED: Array<[path: string, message: string]> = [
  ['/', 'must not be /'],
  ['//', 'must not be /'],
  ['/./', 'must not be /'],
  ['/proc', 'must not be under /proc'],
  ['/proc/self', 'must not be under /proc'],
  ['//proc/', 'must not be under /proc'],
  ['/./sys/fs', 'must not be under /sys'],
  ['/dev', 'must not be under /dev'],
  ['/dev/shm', 'must not be under /dev'],
  ['out', 'must be an absolute path'],
  ['/out/../proc', 'must not contain ".." segments'],
];

describe('container paths', () => {
  it.each(REFUSED)('refuses ResultPaths %j', (path, message) => {
    expect(problems(resultAt(path))).toEqual([
      { path: `${T}.ResultPaths[0].Path`, message: expect.stringContaining(message) },
    ]);
  });

  it.each(REFUSED)('refuses an InputSources target %j', (path, message) => {
    expect(problems(inputAt(path))).toEqual([
      { path: `${T}.InputSources[0].Target`, message: expect.stringContaining(message) },
    ]);
  });

  it.each(['/outputs', '/processed', '/device', '/sysroot/x', '/data/proc'])('accepts %j', (path) => {
    expect(problems(resultAt(path))).toEqual([]);
    expect(problems(inputAt(path))).toEqual([]);
  });

  it('stores the normalised path', () => {
    const result = prepareJobSubmission(resultAt('//outputs/./a/'), opts);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.job.Tasks[0]?.ResultPaths).toEqual([{ Name: 'r', Path: '/outputs/a' }]);
  });
});
