import type { z } from 'zod';
import { ShoalError } from '../errors.js';
import { problemsFromZod } from '../submission/problems.js';
import type { Shape } from './go-decode.js';
import { decodeAs, unknownFieldWarning } from './go-decode.js';

/**
 * A request body's two halves: the Go field names it may use (its shape), and the schema its
 * values must meet. Every body the API reads goes through `decodeRequest`, so each is read the way
 * Bacalhau's Go server would read it, and checked as strictly as Shoal checks it.
 */
export interface RequestEnvelope<S extends z.ZodType = z.ZodType> {
  shape: Shape;
  schema: S;
}

export interface DecodedRequest<T> {
  value: T;
  /** One warning per key that named no field; the PUT job answer carries them. */
  warnings: string[];
}

/** Decodes a parsed JSON body, or throws a validation error listing every field that is wrong. */
export function decodeRequest<S extends z.ZodType>(
  envelope: RequestEnvelope<S>,
  body: unknown,
  component = 'API',
): DecodedRequest<z.output<S>> {
  const decoded = decodeAs(envelope.shape, body);
  // reportInput lets the messages say what came (`expected object, got array`).
  const parsed = envelope.schema.safeParse(decoded.value, { reportInput: true });
  if (!parsed.success) throw ShoalError.validation(problemsFromZod(parsed.error), component);
  return { value: parsed.data, warnings: decoded.unknown.map(unknownFieldWarning) };
}
