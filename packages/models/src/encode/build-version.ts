import type { BuildVersionInfo } from '../schemas/node.js';

/**
 * Go clients read BuildDate into a time.Time, which accepts RFC 3339 text only: an empty string
 * makes the whole answer unreadable to them. What Go itself writes for an unset time is its zero.
 */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The build info as it goes on the wire: BuildDate always a time Go can parse. */
export function goBuildVersion(version: BuildVersionInfo): BuildVersionInfo {
  return RFC3339.test(version.BuildDate) ? version : { ...version, BuildDate: GO_ZERO_TIME };
}
