import { z } from 'zod';
import { ContainerPathSchema, NameSchema, NamespaceSchema, NoNulSchema, ResultNameSchema } from './fields.js';
import {
  MAX_CONSTRAINTS,
  MAX_ENV_VARS,
  MAX_INPUT_SOURCES,
  MAX_LABELS,
  MAX_META_ENTRIES,
  MAX_META_VALUE_BYTES,
  MAX_RESULT_PATHS,
  utf8Bytes,
} from './limits.js';

/**
 * The shapes a submission may take, field by field. Each field is parsed on its own so that every
 * problem in a submission is reported at once, with its path. Fields are lenient where Bacalhau's
 * clients are (null for an empty list or map, empty strings for unset values) and strict
 * everywhere else: unknown keys are errors. Meaning across fields is checked in the rules.
 */

export const MAX_COUNT = 10_000;
/** Ten years in seconds: longer is a mistake, not a plan. */
export const MAX_TIMEOUT_SECONDS = 315_360_000;

/**
 * Counts the entries of a map or list before its entries are parsed, so 20,000 entries are one
 * problem (`at most 64 labels`), not 20,000. Anything not a map or list goes on to the schema. Only
 * for fields parsed on their own (parseFields): inside an object it would make its key required.
 */
const atMost = <S extends z.ZodType>(max: number, noun: string, schema: S) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === null || typeof value !== 'object') return;
      const count = Array.isArray(value) ? value.length : Object.keys(value).length;
      if (count > max) ctx.addIssue({ code: 'custom', message: `at most ${max} ${noun} (got ${count})` });
    })
    .pipe(schema);

const map = (value: z.ZodType<string> = NoNulSchema) =>
  z
    .record(z.string(), value)
    .nullish()
    .transform((v) => v ?? {});
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

const MetaValueSchema = NoNulSchema.refine((v) => utf8Bytes(v) <= MAX_META_VALUE_BYTES, {
  error: (issue) => `must be at most ${MAX_META_VALUE_BYTES} bytes (got ${utf8Bytes(String(issue.input))})`,
});
const meta = () => atMost(MAX_META_ENTRIES, 'entries', map(MetaValueSchema));

/** A strict object whose fields are parsed later, one by one. */
const shape = <K extends string>(keys: readonly K[]) =>
  z.strictObject(
    Object.fromEntries(keys.map((k) => [k, z.unknown().optional()])) as Record<
      K,
      z.ZodOptional<z.ZodUnknown>
    >,
  );

export const SpecInputSchema = z.strictObject({
  Type: z.string().optional(),
  Params: z.record(z.string(), z.unknown()).nullish(),
});
export type SpecInput = z.output<typeof SpecInputSchema>;

const TimeoutSchema = z.int().min(0, 'must not be negative').max(MAX_TIMEOUT_SECONDS).optional();

export const TASK_FIELDS = {
  Name: NameSchema.min(1),
  Engine: SpecInputSchema,
  Publisher: SpecInputSchema.nullish(),
  Env: atMost(MAX_ENV_VARS, 'environment variables', map()),
  Meta: meta(),
  InputSources: atMost(
    MAX_INPUT_SOURCES,
    'input sources',
    list(
      z.strictObject({
        Source: SpecInputSchema,
        Alias: z.string().max(255).optional(),
        Target: ContainerPathSchema,
      }),
    ),
  ),
  ResultPaths: atMost(
    MAX_RESULT_PATHS,
    'result paths',
    list(z.strictObject({ Name: ResultNameSchema, Path: ContainerPathSchema })),
  ),
  Resources: z
    .strictObject({
      CPU: z.string().optional(),
      Memory: z.string().optional(),
      Disk: z.string().optional(),
      GPU: z.string().optional(),
    })
    .nullish(),
  Network: z
    .strictObject({ Type: z.string().optional(), Domains: list(z.string().min(1).max(253)) })
    .nullish(),
  Timeouts: z
    .strictObject({
      ExecutionTimeout: TimeoutSchema,
      QueueTimeout: TimeoutSchema,
      TotalTimeout: TimeoutSchema,
    })
    .nullish(),
} as const;
export type TaskInput = { [K in keyof typeof TASK_FIELDS]: z.output<(typeof TASK_FIELDS)[K]> };
export const TaskShapeSchema = shape(Object.keys(TASK_FIELDS) as Array<keyof typeof TASK_FIELDS>);

/** Server-owned fields: accepted so a described job can be resubmitted, then ignored with a warning. */
export const IGNORED_JOB_FIELDS = ['ID', 'State', 'Version', 'Revision', 'CreateTime', 'ModifyTime'] as const;

export const JOB_FIELDS = {
  Name: NameSchema.optional(),
  Namespace: z.union([z.literal(''), NamespaceSchema]).optional(),
  Type: z.string().optional(),
  Priority: z.int().min(-1_000_000).max(1_000_000).optional(),
  Count: z.int().min(0, 'must not be negative').max(MAX_COUNT, `must be at most ${MAX_COUNT}`).optional(),
  Constraints: atMost(MAX_CONSTRAINTS, 'constraints', list(z.unknown())),
  Meta: meta(),
  Labels: atMost(MAX_LABELS, 'labels', map(z.string())),
  Tasks: z.array(z.unknown()).min(1, 'a job needs one task').max(1, 'a job has exactly one task'),
} as const;
export type JobInput = { [K in keyof typeof JOB_FIELDS]: z.output<(typeof JOB_FIELDS)[K]> };
export const JobShapeSchema = shape([
  ...(Object.keys(JOB_FIELDS) as Array<keyof typeof JOB_FIELDS>),
  ...IGNORED_JOB_FIELDS,
]);
