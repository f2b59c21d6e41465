import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './deps.js';

/**
 * A route is its handler plus the facts the OpenAPI document is generated from. Keeping them in
 * one object means a route cannot be served without being documented (a test checks both lists).
 */

export type Method = 'get' | 'put' | 'post' | 'delete';

export interface RouteSpec {
  method: Method;
  /** Under /api/v1, in Hono's syntax (`/orchestrator/jobs/:jobID`). */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: 'Jobs' | 'Nodes' | 'Agent';
  /** Path parameter name → description. */
  pathParams?: Record<string, string>;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; required: boolean; description: string };
  /** The 200 body; every schema used here must be registered in openapi/components.ts. */
  response: z.ZodType;
  /** The success status when it is not 200: 101 for a WebSocket (response: one message). */
  successStatus?: 101;
  responseDescription: string;
  /** Error statuses this route can answer besides 500 (documented with the error body). */
  errors: readonly number[];
}

export interface Route extends RouteSpec {
  handle: (c: Context<AppEnv>) => Promise<Response> | Response;
}

export const API_PREFIX = '/api/v1';

/** Errors every route that reads the store can answer. */
export const STORE_ERRORS = [503] as const;
export const ID_ERRORS = [400, 404, 409, 503] as const;
