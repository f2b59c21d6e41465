import { describe, expect, it } from 'vitest';
import { buildVersionInfo } from './version.js';

describe('buildVersionInfo', () => {
  it('splits the semver and names the platform as Bacalhau does', () => {
    expect(buildVersionInfo({ version: '1.2.3', os: 'linux', arch: 'x64', gitCommit: 'abc' })).toEqual({
      Major: '1',
      Minor: '2',
      GitVersion: 'v1.2.3',
      GitCommit: 'abc',
      BuildDate: '',
      GOOS: 'linux',
      GOARCH: 'x64',
    });
  });
});
