export { AuthnEnvelope, PutJobEnvelope, PutNodeEnvelope, StopJobEnvelope } from './envelopes.js';
export type { Decoded, Shape } from './go-decode.js';
export { decodeAs, unknownFieldWarning } from './go-decode.js';
export type { DecodedRequest, RequestEnvelope } from './request.js';
export { decodeRequest } from './request.js';
export {
  JOB_SHAPE,
  PUT_JOB_REQUEST_SHAPE,
  PUT_NODE_REQUEST_SHAPE,
  STOP_JOB_REQUEST_SHAPE,
  TASK_SHAPE,
} from './shapes.js';
