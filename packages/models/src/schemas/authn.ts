import { z } from 'zod';

/**
 * Bacalhau's authentication API (`/api/v1/auth`). A method is named by the server and has a type
 * the client knows how to answer; Shoal offers one of type `ask`, whose params are a JSON Schema
 * of what the client asks its user for (the API token). The lowercase keys are Go's own tags.
 */

export const AuthnRequirementSchema = z.object({
  type: z.string(),
  params: z.unknown(),
});
export type AuthnRequirement = z.infer<typeof AuthnRequirementSchema>;

export const ListAuthnMethodsResponseSchema = z.object({
  Methods: z.record(z.string(), AuthnRequirementSchema),
  NextToken: z.string(),
});

/** Go sends MethodData ([]byte) as standard base64 of the JSON answer to the method's params. */
export const AuthnRequestSchema = z.strictObject({
  Namespace: z.string().max(255).optional(),
  Headers: z.record(z.string(), z.string()).optional(),
  Credential: z.unknown().optional(),
  Context: z.unknown().optional(),
  Name: z.string().max(255).optional(),
  MethodData: z
    .string()
    .max(16_384)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64 (standard alphabet)'),
});

export const AuthenticationSchema = z.object({
  success: z.boolean(),
  reason: z.string().optional(),
  token: z.string().optional(),
});

export const AuthnResponseSchema = z.object({ Authentication: AuthenticationSchema });
