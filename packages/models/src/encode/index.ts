export { GO_ZERO_TIME, goBuildVersion } from './build-version.js';
export { wireExecution } from './executions.js';
export type { WireNodeInfo, WireNodeState } from './nodes.js';
export { wireNodeInfo, wireNodeState } from './nodes.js';
