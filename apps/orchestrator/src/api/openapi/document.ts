import type { BuildVersionInfo } from '@shoal/models';
import { z } from 'zod';
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

function operation(route: RouteSpec): Json {
  const pathParams = Object.entries(route.pathParams ?? {}).map(([name, description]) => ({
    name,
    in: 'path',
    required: true,
    description,
    schema: { type: 'string', pattern: ID_QUERY_PATTERN },
  }));
  const errors = [...new Set([...route.errors, 500])].sort();
  return {
    operationId: route.operationId,
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

export function buildOpenApiDocument(routes: readonly RouteSpec[], version: BuildVersionInfo): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = `${API_PREFIX}${route.path}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Shoal API',
      version: version.GitVersion || `${version.Major}.${version.Minor}`,
      description:
        'Bacalhau’s v1 jobs API as Shoal serves it. Times are int64 Unix nanoseconds written as exact JSON integers.',
    },
    tags: [{ name: 'Jobs' }, { name: 'Nodes' }, { name: 'Agent' }],
    paths,
    components: {
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
