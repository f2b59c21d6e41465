import type { Shape } from './go-decode.js';
import { arrayOf, mapOf, object, opaque, scalar } from './go-decode.js';

/**
 * The fields of what clients send, as Bacalhau's Go structs declare them (pkg/models and
 * pkg/publicapi/apimodels, v1.1 to v1.3). Only names live here; values are checked by the schemas
 * and rules that run on the decoded document.
 */

/** `{Type, Params}`: Params stays opaque, and strict where it is parsed (see go-decode.ts). */
const specConfig = object({ Type: scalar, Params: opaque });

const resources = object({ CPU: scalar, Memory: scalar, Disk: scalar, GPU: scalar });

export const TASK_SHAPE: Shape = object(
  {
    Name: scalar,
    Engine: specConfig,
    Publisher: specConfig,
    Env: mapOf(),
    Meta: mapOf(),
    InputSources: arrayOf(object({ Source: specConfig, Alias: scalar, Target: scalar })),
    ResultPaths: arrayOf(object({ Name: scalar, Path: scalar })),
    Resources: resources,
    Network: object({ Type: scalar, Domains: arrayOf(scalar) }),
    Timeouts: object({ ExecutionTimeout: scalar, QueueTimeout: scalar, TotalTimeout: scalar }),
  },
  // v1.1.0 wrote the task's resources under the Go field's own name.
  { ResourcesConfig: 'Resources' },
);

export const JOB_SHAPE: Shape = object({
  ID: scalar,
  Name: scalar,
  Namespace: scalar,
  Type: scalar,
  Priority: scalar,
  Count: scalar,
  Constraints: arrayOf(object({ Key: scalar, Operator: scalar, Values: arrayOf(scalar) })),
  Meta: mapOf(),
  Labels: mapOf(),
  Tasks: arrayOf(TASK_SHAPE),
  State: opaque,
  Version: scalar,
  Revision: scalar,
  CreateTime: scalar,
  ModifyTime: scalar,
});

/**
 * BaseRequest and BasePutRequest: every request body may carry these. Namespace and
 * IdempotencyToken are used where they mean something. Headers, Credential and Context are how Go
 * clients carry what Shoal takes from HTTP headers (v1.1 serialises all three, often as null or
 * `{}`), so they are accepted and not acted on.
 */
const BASE_REQUEST = {
  Namespace: scalar,
  IdempotencyToken: scalar,
  Headers: opaque,
  Credential: opaque,
  Context: opaque,
} as const;

/** The job is decoded with JOB_SHAPE by prepareJobSubmission, which reports its paths itself. */
export const PUT_JOB_REQUEST_SHAPE: Shape = object({ ...BASE_REQUEST, Job: opaque });

/** Go's StopJobRequest tags Reason as `reason`; either spelling is the same field here. */
export const STOP_JOB_REQUEST_SHAPE: Shape = object({ ...BASE_REQUEST, JobID: scalar, Reason: scalar });

export const PUT_NODE_REQUEST_SHAPE: Shape = object({
  ...BASE_REQUEST,
  NodeID: scalar,
  Action: scalar,
  Message: scalar,
});

export const AUTHN_REQUEST_SHAPE: Shape = object({ ...BASE_REQUEST, Name: scalar, MethodData: scalar });
