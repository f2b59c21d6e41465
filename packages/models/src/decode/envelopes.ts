import { PutJobRequestSchema, PutNodeRequestSchema, StopJobRequestSchema } from '../schemas/api.js';
import { AuthnRequestSchema } from '../schemas/authn.js';
import type { RequestEnvelope } from './request.js';
import {
  AUTHN_REQUEST_SHAPE,
  PUT_JOB_REQUEST_SHAPE,
  PUT_NODE_REQUEST_SHAPE,
  STOP_JOB_REQUEST_SHAPE,
} from './shapes.js';

/** The request bodies of the v1 API: the names Go clients use, and the values Shoal accepts. */

export const PutJobEnvelope = {
  shape: PUT_JOB_REQUEST_SHAPE,
  schema: PutJobRequestSchema,
} satisfies RequestEnvelope;

export const StopJobEnvelope = {
  shape: STOP_JOB_REQUEST_SHAPE,
  schema: StopJobRequestSchema,
} satisfies RequestEnvelope;

export const PutNodeEnvelope = {
  shape: PUT_NODE_REQUEST_SHAPE,
  schema: PutNodeRequestSchema,
} satisfies RequestEnvelope;

export const AuthnEnvelope = {
  shape: AUTHN_REQUEST_SHAPE,
  schema: AuthnRequestSchema,
} satisfies RequestEnvelope;
