import type { Constraint } from '../constraints.js';
import { ConstraintSchema } from '../constraints.js';
import { JOB_TYPES, JobType } from '../enums.js';
import { labelKeyProblem, labelValueProblem } from '../labels/index.js';
import type { FieldParser } from './field-parser.js';
import type { JobInput } from './job-input.js';
import { IGNORED_JOB_FIELDS } from './job-input.js';
import { MAX_CONSTRAINT_VALUES, MAX_META_KEY_BYTES, utf8Bytes } from './limits.js';

type Path = ReadonlyArray<PropertyKey>;

/** Meta keys under this prefix are written by Shoal itself. */
export const RESERVED_META_PREFIX = 'shoal.io/';

export function checkJobType(type: string | undefined, at: Path, p: FieldParser): JobType | undefined {
  if (type === undefined || type === '') {
    p.report([...at, 'Type'], `missing job type: allowed are ${JOB_TYPES.join(', ')}`);
    return undefined;
  }
  const known = JOB_TYPES.find((t) => t === type);
  if (!known)
    p.report(
      [...at, 'Type'],
      `invalid job type: ${JSON.stringify(type)}: allowed are ${JOB_TYPES.join(', ')}`,
    );
  return known;
}

/**
 * Count is the number of partitions for batch/service; ops and daemon run once per node, so their
 * Count only says what the client sent (see perNodeCountWarning).
 */
export function normaliseCount(type: JobType, count: number | undefined, at: Path, p: FieldParser): number {
  // As Bacalhau's Job.Normalize: no Count (or 0) is 1, any other is kept.
  if (type === JobType.Ops || type === JobType.Daemon) return count || 1;
  if (count === 0) p.report([...at, 'Count'], `must be at least 1 for ${type} jobs (omit it for 1)`);
  return count ?? 1;
}

export function checkLabels(labels: Record<string, string>, at: Path, p: FieldParser): void {
  for (const [key, value] of Object.entries(labels)) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) p.report([...at, 'Labels', key], problem);
  }
}

/** Job.Meta, or a task's with `reserve` false: Shoal writes its own keys only into the job's. */
export function checkMeta(meta: Record<string, string>, at: Path, p: FieldParser, reserve = true): void {
  for (const key of Object.keys(meta)) {
    if (key === '' || utf8Bytes(key) > MAX_META_KEY_BYTES) {
      p.report([...at, 'Meta', key], `keys must be 1-${MAX_META_KEY_BYTES} bytes`);
    } else if (reserve && key.startsWith(RESERVED_META_PREFIX)) {
      p.report([...at, 'Meta', key], `keys under ${RESERVED_META_PREFIX} are reserved for Shoal`);
    }
  }
}

export function parseConstraints(raw: readonly unknown[], at: Path, p: FieldParser): Constraint[] {
  const out: Constraint[] = [];
  raw.forEach((c, i) => {
    const values = (c as { Values?: unknown } | null)?.Values;
    // Counted first, like the lists of job-input.ts: one problem, not one per value.
    if (Array.isArray(values) && values.length > MAX_CONSTRAINT_VALUES) {
      p.report(
        [...at, 'Constraints', i, 'Values'],
        `at most ${MAX_CONSTRAINT_VALUES} values (got ${values.length})`,
      );
      return;
    }
    const parsed = p.parse(ConstraintSchema, c, [...at, 'Constraints', i]);
    if (parsed) out.push(parsed);
  });
  return out;
}

const WARNINGS: Record<(typeof IGNORED_JOB_FIELDS)[number], string> = {
  ID: 'job ID is ignored when submitting a job',
  State: 'job state is ignored when submitting a job',
  Version: 'job version is ignored when submitting a job',
  Revision: 'job revision is ignored when submitting a job',
  CreateTime: 'job create time is ignored when submitting a job',
  ModifyTime: 'job modify time is ignored when submitting a job',
};

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === 0n) return false;
  if (typeof value === 'object' && 'StateType' in value) {
    const t = (value as { StateType: unknown }).StateType;
    return !(t === undefined || t === '' || t === 0 || t === 'Undefined');
  }
  return true;
}

/** Server-owned fields a client sent: they are ignored, and the client is told so. */
export function ignoredFieldWarnings(raw: Partial<Record<string, unknown>>): string[] {
  return IGNORED_JOB_FIELDS.filter((f) => isSet(raw[f])).map((f) => WARNINGS[f]);
}

export type { JobInput };
