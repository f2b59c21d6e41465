import { z } from 'zod';
import { parseDurationMs } from '../duration.js';
import { EngineType } from '../enums.js';
import { AbsolutePathSchema, envNameProblem, imageReferenceProblem, NoNulSchema } from './fields.js';
import { WasmParamsSchema } from './wasm-params.js';

/**
 * Engine parameters. These objects are strict: an unknown key (`Privileged`, `CapAdd`,
 * `NetworkMode`, …) is an error, so nothing can be smuggled through to the container runtime.
 */

const nullableList = (item: z.ZodType<string>) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

export const DockerParamsSchema = z.strictObject({
  Image: z.string().superRefine((image, ctx) => {
    const problem = imageReferenceProblem(image);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  Entrypoint: nullableList(NoNulSchema),
  Parameters: nullableList(NoNulSchema),
  EnvironmentVariables: nullableList(
    z.string().superRefine((entry, ctx) => {
      const eq = entry.indexOf('=');
      if (eq < 0) {
        ctx.addIssue({ code: 'custom', message: `expected KEY=VALUE, got ${JSON.stringify(entry)}` });
        return;
      }
      const problem =
        envNameProblem(entry.slice(0, eq)) ??
        (entry.includes('\u0000') ? 'must not contain NUL bytes' : undefined);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  ),
  WorkingDirectory: z
    .union([z.literal(''), AbsolutePathSchema])
    .optional()
    .transform((v) => v ?? ''),
});
export type DockerParams = z.output<typeof DockerParamsSchema>;

/** At most this long may a noop task pretend to run. */
export const MAX_NOOP_DELAY_MS = 3_600_000;

/** The noop engine finishes with the result it is given (tests and benchmarks script it). */
export const NoopParamsSchema = z.strictObject({
  /** Pretend to run this long: a duration such as `500ms` or `40s`. */
  Delay: z
    .string()
    .superRefine((text, ctx) => {
      try {
        if (parseDurationMs(text) > MAX_NOOP_DELAY_MS)
          ctx.addIssue({ code: 'custom', message: 'must be at most 1h' });
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .optional(),
  Stdout: NoNulSchema.max(1024 * 1024).optional(),
  Stderr: NoNulSchema.max(1024 * 1024).optional(),
  ExitCode: z.int().min(0).max(255).optional(),
  /** Fail the execution with this runner error instead of completing it. */
  Error: NoNulSchema.max(4096).optional(),
});
export type NoopParams = z.output<typeof NoopParamsSchema>;

export const ENGINE_PARAMS: Record<EngineType, z.ZodType> = {
  [EngineType.Docker]: DockerParamsSchema,
  [EngineType.Noop]: NoopParamsSchema,
  [EngineType.Wasm]: WasmParamsSchema,
};
