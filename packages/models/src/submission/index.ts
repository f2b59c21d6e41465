export type { DockerParams, NoopParams } from './engines.js';
export { DockerParamsSchema, NoopParamsSchema } from './engines.js';
export {
  AbsolutePathSchema,
  ContainerPathSchema,
  envNameProblem,
  imageReferenceProblem,
  isWithin,
  normalisePath,
} from './fields.js';
export { MAX_COUNT, MAX_TIMEOUT_SECONDS } from './job-input.js';
export { RESERVED_META_PREFIX } from './job-rules.js';
export { jobBytes, jobSizeError } from './job-size.js';
export * from './limits.js';
export type { HostPathRule, SubmissionPolicy } from './policy.js';
export { CONTAINER_SYSTEM_TREES, DOCKER_SOCKETS, FORBIDDEN_SUBTREES } from './policy.js';
export type { PrepareJobOptions, PrepareJobResult } from './prepare.js';
export { prepareJobSubmission } from './prepare.js';
export { formatPath, problemsFromZod } from './problems.js';
export type { WasmModuleInput, WasmParams } from './wasm-params.js';
export { WASM_MODULE_SOURCE_TYPES, WasmParamsSchema } from './wasm-params.js';
