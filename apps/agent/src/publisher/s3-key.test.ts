import { describe, expect, it } from 'vitest';
import { publishedKey } from './s3-key.js';

const context = {
  jobId: 'j-1',
  executionId: 'e-2',
  nodeId: 'n-3',
  now: new Date(Date.UTC(2024, 0, 31, 9, 5, 7)),
};

describe('s3 published keys', () => {
  it('replaces every placeholder, each time it occurs', () => {
    expect(publishedKey('r/{jobID}/{executionID}/{nodeID}/{date}-{time}/{jobID}', context, false)).toBe(
      'r/j-1/e-2/n-3/20240131-090507/j-1/',
    );
  });

  it('ends an archive key in .tar.gz and a prefix in /, once', () => {
    expect(publishedKey('out/{jobID}', context, true)).toBe('out/j-1.tar.gz');
    expect(publishedKey('out/x.tar.gz', context, true)).toBe('out/x.tar.gz');
    expect(publishedKey('out/{jobID}', context, false)).toBe('out/j-1/');
    expect(publishedKey('out/', context, false)).toBe('out/');
  });

  it('leaves unknown braces as they are', () => {
    expect(publishedKey('{jobid}/{other}', context, false)).toBe('{jobid}/{other}/');
  });
});
