import type { Job, NodeInfo } from '@shoal/models';
import { type Envelope, makeEnvelope } from '../envelope.js';
import type { MessageType, Payload } from '../messages/catalog.js';

/** Realistic payloads for every message type, for round-trip and delivery tests. */

export const NODE = 'n-7d1b1c2e-4f6a-4b8c-9d0e-1f2a3b4c5d6e';
export const EXEC = 'e-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
export const JOB_ID = 'j-d586d2cc-6fc9-42c4-9dd9-a78df1d7cd01';
/** The CreateTime of the v1 jobs API's example job: beyond 2^53, so it survives only as bigint. */
export const BIG_TIME = 1695883778909107178n;

const capacity = { CPU: 3.2, Memory: 8 * 1024 ** 3, Disk: 100 * 1024 ** 3, GPU: 0 };

export function nodeInfo(nodeId = NODE): NodeInfo {
  return {
    NodeID: nodeId,
    NodeType: 'Compute',
    Labels: { zone: 'a' },
    ComputeNodeInfo: {
      ExecutionEngines: ['docker', 'noop'],
      Publishers: ['noop', 'local'],
      StorageSources: ['localDirectory'],
      MaxCapacity: capacity,
      AvailableCapacity: capacity,
      MaxJobRequirements: capacity,
      RunningExecutions: 0,
      EnqueuedExecutions: 0,
    },
    Version: {
      Major: '0',
      Minor: '1',
      GitVersion: 'v0.1.0',
      GitCommit: 'abc',
      BuildDate: '2025-01-01',
      GOOS: 'linux',
      GOARCH: 'amd64',
    },
  };
}

export const job: Job = {
  ID: JOB_ID,
  Name: 'A sample job',
  Namespace: 'default',
  Type: 'batch',
  Priority: 0,
  Count: 1,
  Constraints: [],
  Meta: {},
  Labels: { env: 'prod' },
  Tasks: [
    {
      Name: 'main',
      Engine: {
        Type: 'docker',
        Params: { Image: 'ubuntu:latest', Entrypoint: ['/bin/echo'], Parameters: ['hi'] },
      },
      Publisher: { Type: 'noop', Params: {} },
      Env: {},
      Meta: {},
      InputSources: [],
      ResultPaths: [],
      Resources: { CPU: '500m', Memory: '512Mb', Disk: '', GPU: '' },
      Network: { Type: 'None' },
      Timeouts: { ExecutionTimeout: 1800 },
    },
  ],
  State: { StateType: 'Pending', Message: '' },
  Version: 0,
  Revision: 1,
  CreateTime: BIG_TIME,
  ModifyTime: BIG_TIME + 1n,
};

export const SAMPLE_PAYLOADS: { [T in MessageType]: Payload<T> } = {
  AskForBid: { ExecutionID: EXEC, JobID: JOB_ID, Partition: 0, WaitForApproval: true, Job: job },
  BidAccepted: { ExecutionID: EXEC },
  BidRejected: { ExecutionID: EXEC, Reason: 'another node won' },
  CancelExecution: { ExecutionID: EXEC, Reason: 'job stopped by user' },
  BidResult: { ExecutionID: EXEC, Accepted: false, Reason: 'insufficient memory' },
  RunResult: {
    ExecutionID: EXEC,
    RunOutput: {
      stdout: 'hello world\n',
      stdouttruncated: false,
      stderr: '',
      stderrtruncated: false,
      exitCode: 0,
      runnerError: '',
    },
    PublishedResult: { Type: 'local', Params: { Path: '/results/e-0a1b' } },
  },
  ComputeError: { ExecutionID: EXEC, Error: 'OOMKilled: memory limit 512 MiB' },
  ExecutionCancelled: { ExecutionID: EXEC, Message: 'job stopped: stopped by user' },
  ExecutionProgress: { ExecutionID: EXEC, Message: 'pulling image' },
  Handshake: { NodeInfo: nodeInfo(), ProtocolVersion: 1, LastSeqReceived: 0n },
  Heartbeat: {
    AvailableCapacity: capacity,
    RunningExecutions: 2,
    EnqueuedExecutions: 0,
    Healthy: true,
    LastSeqReceived: 12n,
  },
  UpdateNodeInfo: { NodeInfo: nodeInfo() },
  ShutdownNotice: { Reason: 'SIGTERM' },
  HandshakeReply: {
    Accepted: true,
    HeartbeatIntervalMs: 15_000,
    LastSeqReceived: 7n,
    Membership: 'APPROVED',
    ResultsKey: Buffer.alloc(32, 7).toString('base64'),
  },
  HeartbeatReply: { Ok: false, LastSeqReceived: 7n, Reason: 'unknown node: handshake first' },
  UpdateNodeInfoReply: { Ok: true },
  ShutdownNoticeReply: { Ok: true },
  LogStreamOpen: {
    StreamID: 'ls-1',
    ExecutionID: EXEC,
    Follow: true,
    Tail: 10,
    Window: 8,
    MaxChunkBytes: 64 * 1024,
    IdleTimeoutMs: 10_000,
  },
  LogStreamAck: { StreamID: 'ls-1', Received: 3, Until: 11 },
  LogStreamCancel: { StreamID: 'ls-1', Reason: 'client went away' },
  LogStreamOpenReply: { Accepted: false, Code: 'unknown_execution', Reason: 'no such execution' },
  LogStreamAckReply: { Active: true },
  LogChunk: {
    StreamID: 'ls-1',
    Seq: 1,
    Frames: [
      { Type: 1, Line: 'hello\n' },
      { Type: 2, Line: 'warning: ünïcode\n' },
    ],
    Done: false,
  },
};

let counter = 0;

/** An envelope of the given type with its sample payload. */
export function sample<T extends MessageType>(type: T, seq = 0n, nodeId = NODE): Envelope<T> {
  counter++;
  const fields = { id: `m-${counter}`, nodeId, time: BIG_TIME, seq };
  // For one type EnvelopeOf<T> is Envelope<T>; TypeScript cannot see it for a generic T.
  return makeEnvelope(type, SAMPLE_PAYLOADS[type], fields) as Envelope<T>;
}
