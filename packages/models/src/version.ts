import type { BuildVersionInfo } from './schemas/node.js';

export interface BuildFacts {
  /** The semver of the package, e.g. `0.1.0`. */
  version: string;
  gitCommit?: string;
  buildDate?: string;
  /** `process.platform` and `process.arch`: Bacalhau's GOOS/GOARCH fields. */
  os: string;
  arch: string;
}

/** The BuildVersionInfo every Shoal process reports, built the same way everywhere. */
export function buildVersionInfo(facts: BuildFacts): BuildVersionInfo {
  const [major = '0', minor = '0'] = facts.version.split('.');
  return {
    Major: major,
    Minor: minor,
    GitVersion: `v${facts.version}`,
    GitCommit: facts.gitCommit ?? '',
    BuildDate: facts.buildDate ?? '',
    GOOS: facts.os,
    GOARCH: facts.arch,
  };
}
