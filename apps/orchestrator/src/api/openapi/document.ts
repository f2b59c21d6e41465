import type { BuildVersionInfo } from '@shoal/models';
import { z } from 'zod';
import { isOpenPath } from '../auth.js';
import { ID_QUERY_PATTERN } from '../path-params.js';
import { REQUEST_ID_HEADER } from '../request-id.js';
import type { RouteSpec } from '../route.js';
import { API_PREFIX } from '../route.js';
import { componentSchemas, embedded, jsonSchemaOptions, refFor, schemaRef } from './components.js';

/**
 * An OpenAPI 3.1 document generated from the routes themselves: paths, parameters (from each
 * route's query schema), bodies and responses, with component schemas from the zod models.
 */

type Json = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is invalid; Details.Problems names each field or parameter.',
  401: 'No valid bearer token was sent (the WWW-Authenticate header says why).',
  403: 'The read-only token was sent to a route that writes.',
  404: 'No such job, node or route.',
  409: 'The id prefix is ambiguous (candidates in Details), or the job is already finished.',
  413: 'The request body is over the size limit.',
  415: 'The request body is not application/json.',
  500: 'Internal error; quote the request id when reporting it.',
  503: 'The store is unavailable; retry later.',
};

const json = (schema: Json) => ({ 'application/json': { schema } });
const requestIdHeader = { [REQUEST_ID_HEADER]: { $ref: '#/components/headers/RequestID' } };

function queryParameters(query: z.ZodObject): Json[] {
  return Object.entries(query.shape).map(([name, param]) => {
    const { description, ...schema } = embedded(z.toJSONSchema(param as z.ZodType, jsonSchemaOptions));
    const isArray = schema.type === 'array';
    return {
      name,
      in: 'query',
      required: false,
      description,
      schema,
      ...(isArray ? { style: 'form', explode: true } : {}),
    };
  });
}

/** What the server's API tokens mean for one route: which errors it adds, and whether it is open. */
function access(route: RouteSpec, auth: boolean): { errors: number[]; open: boolean } {
  if (!auth) return { errors: [], open: false };
  if (isOpenPath(`${API_PREFIX}${route.path}`)) return { errors: [], open: true };
  return { errors: route.method === 'get' ? [401] : [401, 403], open: false };
}

function operation(route: RouteSpec, auth: boolean): Json {
  const pathParams = Object.entries(route.pathParams ?? {}).map(([name, description]) => ({
    name,
    in: 'path',
    required: true,
    description,
    schema: { type: 'string', pattern: ID_QUERY_PATTERN },
  }));
  const guarded = access(route, auth);
  const errors = [...new Set([...route.errors, ...guarded.errors, 500])].sort();
  return {
    operationId: route.operationId,
    // Liveness answers without a token, so health checks need none.
    ...(guarded.open ? { security: [] } : {}),
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    tags: [route.tag],
    parameters: [
      { $ref: '#/components/parameters/RequestID' },
      ...pathParams,
      ...(route.query ? queryParameters(route.query) : []),
    ],
    ...(route.body
      ? {
          requestBody: {
            required: route.body.required,
            description: route.body.description,
            content: json(refFor(route.body.schema)),
          },
        }
      : {}),
    responses: {
      [route.successStatus ?? 200]: {
        description: route.responseDescription,
        headers: requestIdHeader,
        content: json(refFor(route.response)),
      },
      ...Object.fromEntries(
        errors.map((status) => [
          status,
          {
            description: STATUS_TEXT[status] ?? 'Error.',
            headers: requestIdHeader,
            content: json(schemaRef('ErrorBody')),
          },
        ]),
      ),
    },
  };
}

/**
 * `auth`: the server runs with API tokens (`--api-token`, `--api-read-token`); the document then
 * declares the bearer scheme, requires it everywhere but liveness, and lists 401 (and 403 on the
 * routes that write, which the read-only token may not use).
 */
export function buildOpenApiDocument(
  routes: readonly RouteSpec[],
  version: BuildVersionInfo,
  { auth = false }: { auth?: boolean } = {},
): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = `${API_PREFIX}${route.path}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route, auth) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Shoal API',
      version: version.GitVersion || `${version.Major}.${version.Minor}`,
      description:
        'Bacalhau’s v1 jobs API as Shoal serves it. Times are int64 Unix nanoseconds written as exact JSON integers. Lists are shown as the reference writes them (`Jobs`, `History`, `Executions`, `Results`); a request whose X-Bacalhau-Git-Version is newer than v1.3.2 gets the list under `Items` instead, as Bacalhau v1.4+ answers (docs/compatibility.md).',
    },
    tags: [{ name: 'Jobs' }, { name: 'Nodes' }, { name: 'Agent' }],
    ...(auth ? { security: [{ bearerAuth: [] }] } : {}),
    paths,
    components: {
      ...(auth
        ? {
            securitySchemes: {
              bearerAuth: {
                type: 'http',
                scheme: 'bearer',
                description: 'The full token may use every route; the read-only token only GET.',
              },
            },
          }
        : {}),
      schemas: componentSchemas(),
      parameters: {
        RequestID: {
          name: REQUEST_ID_HEADER,
          in: 'header',
          required: false,
          description: 'Correlation id, 1–128 printable ASCII characters; generated when absent or invalid.',
          schema: { type: 'string', pattern: '^[\\x20-\\x7e]{1,128}$' },
        },
      },
      headers: {
        RequestID: { description: 'The request’s correlation id.', schema: { type: 'string' } },
      },
    },
  };
}
