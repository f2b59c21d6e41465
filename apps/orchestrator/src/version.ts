import { readFileSync } from 'node:fs';
import type { BuildVersionInfo } from '@shoal/models';

/** This build's version, from the package.json beside src/ and dist/. */
export function buildVersion(): BuildVersionInfo {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const [major = '0', minor = '0'] = pkg.version.split('.');
  return {
    Major: major,
    Minor: minor,
    GitVersion: `v${pkg.version}`,
    GitCommit: process.env.SHOAL_GIT_COMMIT ?? '',
    BuildDate: process.env.SHOAL_BUILD_DATE ?? '',
    GOOS: process.platform,
    GOARCH: process.arch,
  };
}
