/**
 * Enumerations with their exact wire values. The v1 jobs API encodes job states as
 * strings but execution states as integers; both encodings are part of the API and never change.
 */

export const JobStateType = {
  Undefined: 'Undefined',
  Pending: 'Pending',
  Queued: 'Queued',
  Running: 'Running',
  Completed: 'Completed',
  Failed: 'Failed',
  Stopped: 'Stopped',
} as const;
export type JobStateType = (typeof JobStateType)[keyof typeof JobStateType];
export const JOB_STATES: readonly JobStateType[] = Object.values(JobStateType);

export const ComputeStateType = {
  Undefined: 0,
  New: 1,
  AskForBid: 2,
  AskForBidAccepted: 3,
  AskForBidRejected: 4,
  /** The bid was accepted and the execution is running on its node. */
  BidAccepted: 5,
  BidRejected: 6,
  Completed: 7,
  Failed: 8,
  Cancelled: 9,
} as const;
export type ComputeStateType = (typeof ComputeStateType)[keyof typeof ComputeStateType];
export const COMPUTE_STATES: readonly ComputeStateType[] = Object.values(ComputeStateType);

export const DesiredStateType = {
  Pending: 0,
  Running: 1,
  Stopped: 2,
} as const;
export type DesiredStateType = (typeof DesiredStateType)[keyof typeof DesiredStateType];
export const DESIRED_STATES: readonly DesiredStateType[] = Object.values(DesiredStateType);

export const JobType = {
  Batch: 'batch',
  Ops: 'ops',
  Daemon: 'daemon',
  Service: 'service',
} as const;
export type JobType = (typeof JobType)[keyof typeof JobType];
export const JOB_TYPES: readonly JobType[] = Object.values(JobType);

/** History event levels, encoded as strings on the wire (see the v1 jobs API's history example). */
export const HistoryEventType = {
  JobLevel: 'JobLevel',
  ExecutionLevel: 'ExecutionLevel',
} as const;
export type HistoryEventType = (typeof HistoryEventType)[keyof typeof HistoryEventType];

export const NetworkType = {
  None: 'None',
  Host: 'Host',
  Full: 'Full',
  HTTP: 'HTTP',
} as const;
export type NetworkType = (typeof NetworkType)[keyof typeof NetworkType];
export const NETWORK_TYPES: readonly NetworkType[] = Object.values(NetworkType);

/**
 * Engines an agent can run. `noop` completes with a scripted result (tests, benchmarks); `wasm`
 * runs a WASI preview 1 module without Docker.
 */
export const EngineType = {
  Docker: 'docker',
  Noop: 'noop',
  Wasm: 'wasm',
} as const;
export type EngineType = (typeof EngineType)[keyof typeof EngineType];
export const ENGINE_TYPES: readonly EngineType[] = Object.values(EngineType);

/** Publishers. An empty publisher type means "publish nothing", like `noop`. */
export const PublisherType = {
  Noop: 'noop',
  Local: 'local',
  S3: 's3',
} as const;
export type PublisherType = (typeof PublisherType)[keyof typeof PublisherType];
export const PUBLISHER_TYPES: readonly PublisherType[] = Object.values(PublisherType);

/** Input source types, with Bacalhau's names; matched case-insensitively on submission. */
export const StorageSourceType = {
  Inline: 'inline',
  URLDownload: 'urlDownload',
  LocalDirectory: 'localDirectory',
  S3: 's3',
} as const;
export type StorageSourceType = (typeof StorageSourceType)[keyof typeof StorageSourceType];
export const STORAGE_SOURCE_TYPES: readonly StorageSourceType[] = Object.values(StorageSourceType);

export const NodeType = { Compute: 'Compute', Requester: 'Requester' } as const;
export type NodeType = (typeof NodeType)[keyof typeof NodeType];

export const NodeMembership = { Pending: 'PENDING', Approved: 'APPROVED', Rejected: 'REJECTED' } as const;
export type NodeMembership = (typeof NodeMembership)[keyof typeof NodeMembership];

export const NodeConnection = { Connected: 'CONNECTED', Disconnected: 'DISCONNECTED' } as const;
export type NodeConnection = (typeof NodeConnection)[keyof typeof NodeConnection];

export const EvaluationStatus = {
  Pending: 'pending',
  Blocked: 'blocked',
  Complete: 'complete',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type EvaluationStatus = (typeof EvaluationStatus)[keyof typeof EvaluationStatus];

export const EvaluationTrigger = {
  JobRegister: 'job-register',
  JobStop: 'job-stop',
  ExecutionUpdate: 'exec-update',
  NodeUpdate: 'node-update',
  Retry: 'retry',
  QueueTimeout: 'queue-timeout',
} as const;
export type EvaluationTrigger = (typeof EvaluationTrigger)[keyof typeof EvaluationTrigger];

const computeNames = new Map<number, string>(Object.entries(ComputeStateType).map(([k, v]) => [v, k]));
const desiredNames = new Map<number, string>(Object.entries(DesiredStateType).map(([k, v]) => [v, k]));

/** `7` → `Completed`; unknown numbers are shown as-is so a bad value is still visible. */
export function computeStateName(state: number): string {
  return computeNames.get(state) ?? `Unknown(${state})`;
}

export function desiredStateName(state: number): string {
  return desiredNames.get(state) ?? `Unknown(${state})`;
}
