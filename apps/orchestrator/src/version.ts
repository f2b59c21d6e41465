import { readFileSync } from 'node:fs';
import { type BuildVersionInfo, buildVersionInfo } from '@shoal/models';

/** This build's version, from the package.json beside src/ and dist/. */
export function buildVersion(): BuildVersionInfo {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return buildVersionInfo({
    version: pkg.version,
    os: process.platform,
    arch: process.arch,
    ...(process.env.SHOAL_GIT_COMMIT === undefined ? {} : { gitCommit: process.env.SHOAL_GIT_COMMIT }),
    ...(process.env.SHOAL_BUILD_DATE === undefined ? {} : { buildDate: process.env.SHOAL_BUILD_DATE }),
  });
}
