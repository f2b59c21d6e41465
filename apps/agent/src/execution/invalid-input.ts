import { isValidIdQuery } from '@shoal/models';
import type { z } from 'zod';

/**
 * What the agent says about input that failed validation: a command from the orchestrator (the
 * manager re-validates every payload, since it must never trust its caller) or a task's engine
 * parameters. The payload schemas themselves are the protocol's (@shoal/protocol).
 */

/** One line listing every problem of a rejected message: `Job.Tasks: expected array`. */
export function describeIssues(error: z.ZodError, prefix: readonly string[] = []): string {
  return error.issues
    .map((issue) => {
      const path = [...prefix, ...issue.path.map(String)];
      return path.length > 0 ? `${path.join('.')}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * A task's engine Params, re-validated by the engine that runs them (an agent trusts no one with
 * what it runs), or the one-line reason it refuses them: `invalid noop parameters: Engine.Params.…`.
 */
export function parseEngineParams<T>(
  schema: z.ZodType<T>,
  params: unknown,
  what: string,
): { ok: true; params: T } | { ok: false; error: string } {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return { ok: true, params: parsed.data };
  return { ok: false, error: `${what}: ${describeIssues(parsed.error, ['Engine', 'Params'])}` };
}

/** The ExecutionID of a message that failed validation, if it has a usable one to answer to. */
export function salvageExecutionId(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const id = (message as { ExecutionID?: unknown }).ExecutionID;
  return typeof id === 'string' && isValidIdQuery(id) ? id : undefined;
}
