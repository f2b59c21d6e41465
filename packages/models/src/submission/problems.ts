import type { z } from 'zod';
import type { FieldProblem } from '../errors.js';

/** `['Job','Tasks',0,'Engine']` → `Job.Tasks[0].Engine`; odd keys are quoted: `Env["a.b"]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(part))
      out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

/** Messages that say what was expected and what came, in the words a user would use. */
function messageFor(issue: z.core.$ZodIssue): string {
  // A schema's own message wins; only zod's generic defaults ("Invalid input…") are reworded.
  if (!/^(Invalid|Too (small|big))/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `expected ${issue.expected}, got ${describeType(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      return issue.message;
    case 'invalid_value':
      return `invalid value ${JSON.stringify(issue.input)}: allowed are ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message;
  }
}

export interface RawProblem {
  path: PropertyKey[];
  message: string;
}

/** Flattens zod issues into problems with raw paths, one per unknown key. */
export function zodProblems(error: z.ZodError, root: ReadonlyArray<PropertyKey> = []): RawProblem[] {
  const problems: RawProblem[] = [];
  for (const issue of error.issues) {
    const path = [...root, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: [...path, key], message: 'unknown field' });
      continue;
    }
    problems.push({ path, message: messageFor(issue) });
  }
  return problems;
}

/** Zod issues as field problems with printable paths. */
export function problemsFromZod(error: z.ZodError, root: ReadonlyArray<PropertyKey> = []): FieldProblem[] {
  return zodProblems(error, root).map((p) => ({ path: formatPath(p.path), message: p.message }));
}
