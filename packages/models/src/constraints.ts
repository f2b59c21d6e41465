import { z } from 'zod';
import {
  type Labels,
  labelKeyProblem,
  labelValueProblem,
  type Requirement,
  requirementMatches,
} from './labels/index.js';

/**
 * Job constraints, `[{Key, Operator, Values}]` as Bacalhau sends them. Bacalhau hands these to the
 * Kubernetes requirement type, so the operators, value counts and key rules are Kubernetes'; the one
 * deliberate difference is that `gt`/`lt` take any finite decimal number, not only integers.
 */

export const CONSTRAINT_OPERATORS = ['=', '==', '!=', 'in', 'notin', 'exists', '!', 'gt', 'lt'] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];

const ALLOWED = CONSTRAINT_OPERATORS.join(', ');
const ARITY: Record<ConstraintOperator, 'none' | 'one' | 'some'> = {
  '=': 'one',
  '==': 'one',
  '!=': 'one',
  in: 'some',
  notin: 'some',
  exists: 'none',
  '!': 'none',
  gt: 'one',
  lt: 'one',
};
const isNumeric = (op: ConstraintOperator): boolean => op === 'gt' || op === 'lt';

// Strict decimal syntax: Number() alone would accept '', ' ', '0x10' and 'Infinity'.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined || !DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function valueCountProblem(op: ConstraintOperator, count: number): string | undefined {
  switch (ARITY[op]) {
    case 'none':
      return count === 0 ? undefined : `operator "${op}" takes no values, got ${count}`;
    case 'one':
      return count === 1 ? undefined : `operator "${op}" needs exactly 1 value, got ${count}`;
    case 'some':
      return count > 0 ? undefined : `operator "${op}" needs at least 1 value`;
  }
}

function valueProblem(op: ConstraintOperator, value: string): string | undefined {
  if (isNumeric(op)) {
    return toNumber(value) === undefined
      ? `operator "${op}" needs a finite number, got ${JSON.stringify(value)}`
      : undefined;
  }
  const problem = labelValueProblem(value);
  return problem === undefined ? undefined : `invalid constraint value ${JSON.stringify(value)}: ${problem}`;
}

export const ConstraintSchema = z
  .strictObject({
    Key: z.string().superRefine((key, ctx) => {
      const problem = labelKeyProblem(key);
      if (problem !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid constraint key ${JSON.stringify(key)}: ${problem}`,
        });
      }
    }),
    Operator: z.enum(CONSTRAINT_OPERATORS, {
      error: (issue) =>
        typeof issue.input === 'string'
          ? `invalid constraint operator ${JSON.stringify(issue.input)}: allowed are ${ALLOWED}`
          : `constraint operator must be a string: allowed are ${ALLOWED}`,
    }),
    // Go clients send `null` or omit the field for operators that take no values.
    Values: z
      .array(z.string())
      .nullish()
      .transform((values) => values ?? []),
  })
  .superRefine((c, ctx) => {
    const countProblem = valueCountProblem(c.Operator, c.Values.length);
    if (countProblem !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['Values'], message: countProblem });
      return;
    }
    c.Values.forEach((value, i) => {
      const message = valueProblem(c.Operator, value);
      if (message !== undefined) ctx.addIssue({ code: 'custom', path: ['Values', i], message });
    });
  });

export type Constraint = z.infer<typeof ConstraintSchema>;

/** Readable form for messages: `zone in (a,b)`, `gpu exists`, `!gpu`, `cores gt 8`. */
export function formatConstraint(c: Constraint): string {
  switch (c.Operator) {
    case '=':
    case '==':
    case '!=':
      return `${c.Key}${c.Operator}${c.Values[0] ?? ''}`;
    case 'in':
    case 'notin':
      return `${c.Key} ${c.Operator} (${c.Values.join(',')})`;
    case 'exists':
      return `${c.Key} exists`;
    case '!':
      return `!${c.Key}`;
    case 'gt':
    case 'lt':
      return `${c.Key} ${c.Operator} ${c.Values[0] ?? ''}`;
  }
}

function labelValue(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

const REQUIREMENT_OP = {
  '=': 'eq',
  '==': 'eq',
  '!=': 'neq',
  in: 'in',
  notin: 'notin',
  exists: 'exists',
  '!': 'notexists',
} as const;

/** Constraints other than gt/lt are label requirements and match exactly as selectors do. */
export function constraintMatches(c: Constraint, labels: Labels): boolean {
  if (c.Operator === 'gt' || c.Operator === 'lt') {
    const actual = toNumber(labelValue(labels, c.Key));
    const bound = toNumber(c.Values[0]);
    if (actual === undefined || bound === undefined) return false;
    return c.Operator === 'gt' ? actual > bound : actual < bound;
  }
  // ConstraintSchema already checked the value count each operator needs.
  const requirement = {
    key: c.Key,
    op: REQUIREMENT_OP[c.Operator],
    values: c.Values,
  } as unknown as Requirement;
  return requirementMatches(requirement, labels);
}

/** Why a node's labels fail the constraint, for scheduling errors; undefined when they satisfy it. */
export function explainMismatch(c: Constraint, labels: Labels): string | undefined {
  if (constraintMatches(c, labels)) return undefined;
  const value = labelValue(labels, c.Key);
  if (value === undefined) return `label ${c.Key} is missing`;
  const text = formatConstraint(c);
  if (isNumeric(c.Operator)) {
    if (toNumber(c.Values[0]) === undefined) return `constraint ${text} has no numeric bound`;
    if (toNumber(value) === undefined) return `label ${c.Key}=${value} is not a number, as ${text} requires`;
  }
  return `label ${c.Key}=${value} does not satisfy ${text}`;
}
