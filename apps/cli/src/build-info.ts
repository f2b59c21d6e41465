import { readFileSync } from 'node:fs';

export interface BuildInfo {
  version: string;
  node: string;
  platform: string;
}

/** The CLI's own version, read from its package.json (the same file whether run from src or dist). */
export function readBuildInfo(): BuildInfo {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return { version: pkg.version, node: process.version, platform: `${process.platform}/${process.arch}` };
}
