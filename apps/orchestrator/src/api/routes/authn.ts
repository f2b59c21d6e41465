import type { AuthnRequirement } from '@shoal/models';
import {
  AuthnEnvelope,
  AuthnRequirementSchema,
  AuthnResponseSchema,
  decodeJson,
  ErrorCode,
  ListAuthnMethodsResponseSchema,
  ShoalError,
} from '@shoal/models';
import type { ApiTokens } from '../auth.js';
import { authEnabled, tokenChecker } from '../auth.js';
import { readBodyAs } from '../body.js';
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';

/**
 * Bacalhau's login flow over Shoal's API tokens. Go clients list the methods, ask their user what a
 * method's params describe, and post the answer; the token they get back goes in `Authorization:
 * Bearer` from then on. Shoal's one method, `shoal-token`, asks for the API token itself and
 * answers it back once it is valid, so a client holds nothing Shoal would not accept anyway.
 * Without configured tokens there is nothing to log in to and no method is listed.
 */

export const TOKEN_METHOD = 'shoal-token';

const TOKEN_REQUIREMENT: AuthnRequirement = {
  type: 'ask',
  params: {
    type: 'object',
    properties: { token: { type: 'string', writeOnly: true, description: 'A Shoal API token' } },
    required: ['token'],
  },
};

const rejected = (message: string) =>
  new ShoalError(ErrorCode.Unauthorized, message, {
    component: 'API',
    hint: `post {"MethodData": base64 of {"token": "<API token>"}} to /api/v1/auth/${TOKEN_METHOD}`,
  });

const unknownMethod = (name: string) =>
  new ShoalError(ErrorCode.NotFound, `no authentication method ${JSON.stringify(name)}`, {
    component: 'API',
    hint: 'GET /api/v1/auth lists the methods',
  });

/** The token in MethodData: base64 of a JSON object whose `token` key (any case) holds it. */
function presentedToken(methodData: string): string {
  let answer: unknown;
  try {
    answer = decodeJson(Buffer.from(methodData, 'base64').toString('utf8'));
  } catch {
    throw rejected('MethodData is not base64 of a JSON object');
  }
  const entry =
    typeof answer === 'object' && answer !== null
      ? Object.entries(answer).find(([key]) => key.toLowerCase() === 'token')
      : undefined;
  if (typeof entry?.[1] !== 'string' || entry[1] === '') throw rejected('MethodData has no token');
  return entry[1];
}

export function authnRoutes(tokens: ApiTokens | undefined, maxBodyBytes: number): Route[] {
  const methods: Record<string, AuthnRequirement> = authEnabled(tokens)
    ? { [TOKEN_METHOD]: TOKEN_REQUIREMENT }
    : {};
  const check = authEnabled(tokens) ? tokenChecker(tokens) : () => undefined;
  const method = (name: string | undefined) => {
    const found = name === undefined ? undefined : methods[name];
    if (found === undefined) throw unknownMethod(name ?? '');
    return found;
  };
  return [
    {
      method: 'get',
      path: '/auth',
      operationId: 'listAuthnMethods',
      summary: 'Authentication methods',
      description: `Open to everyone. With API tokens configured: \`${TOKEN_METHOD}\`, of type \`ask\`, whose params are a JSON Schema asking for the token. Without: none.`,
      tag: 'Agent',
      response: ListAuthnMethodsResponseSchema,
      responseDescription: '`{Methods: {name: {type, params}}, NextToken}`.',
      errors: [],
      handle: (c) => sendJson(c, ListAuthnMethodsResponseSchema, { Methods: methods, NextToken: '' }),
    },
    {
      method: 'get',
      path: '/auth/:name',
      operationId: 'getAuthnMethod',
      summary: 'One authentication method',
      tag: 'Agent',
      pathParams: { name: 'The method’s name, as listed.' },
      response: AuthnRequirementSchema,
      responseDescription: '`{type, params}`.',
      errors: [404],
      handle: (c) => sendJson(c, AuthnRequirementSchema, method(c.req.param('name'))),
    },
    {
      method: 'post',
      path: '/auth/:name',
      operationId: 'authenticate',
      summary: 'Log in',
      description:
        'Bacalhau’s AuthnRequest. For `shoal-token`, MethodData is base64 of `{"token": "<API token>"}`; a valid token is answered back as the one to send as `Authorization: Bearer`. A wrong one is a 401.',
      tag: 'Agent',
      pathParams: { name: 'The method’s name, as listed.' },
      body: { schema: AuthnEnvelope.schema, required: true, description: '`{Name, MethodData}`.' },
      response: AuthnResponseSchema,
      responseDescription: '`{Authentication: {success: true, token}}`.',
      errors: [400, 401, 404, 413, 415],
      handle: async (c) => {
        method(c.req.param('name'));
        const { value } = await readBodyAs(c, AuthnEnvelope, { maxBytes: maxBodyBytes, required: true });
        const token = presentedToken(value.MethodData);
        if (check(token) === undefined) throw rejected('credentials rejected');
        return sendJson(c, AuthnResponseSchema, { Authentication: { success: true, token } });
      },
    },
  ];
}
