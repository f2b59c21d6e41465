import type { FieldProblem } from '@shoal/models';
import {
  isoToNanos,
  isValidIdQuery,
  parseSelectorsWithNumeric,
  SelectorSyntaxError,
  ShoalError,
} from '@shoal/models';
import type { Context } from 'hono';
import { z } from 'zod';
import { ID_QUERY_PATTERN } from './path-params.js';

/**
 * Query parameters as zod schemas. Each parameter is one schema whose OUTPUT is the typed value
 * (so the OpenAPI document shows `integer, 1..1000, default 10`), with a preprocess step that turns
 * the raw query string into that type first. A route's parameters form one z.object, so every
 * problem is reported in a single answer, each named by its parameter.
 */

type Raw = string | string[] | undefined;

/** A parameter that may appear once; the raw string is coerced by `coerce` before validation. */
function single<S extends z.ZodType>(schema: S, coerce: (raw: string) => unknown = (raw) => raw) {
  return z.preprocess((raw: Raw, ctx) => {
    if (Array.isArray(raw)) {
      ctx.addIssue({ code: 'custom', message: 'must be given at most once', input: raw });
      return raw;
    }
    return raw === undefined ? undefined : coerce(raw);
  }, schema);
}

/** A parameter that may repeat (`labels=a&labels=b`); always an array after preprocessing. */
function repeated<S extends z.ZodType>(schema: S) {
  return z.preprocess((raw: Raw) => (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]), schema);
}

/**
 * A bounded integer. `0` means the default, as it does to Bacalhau's server: Go's query encoder
 * writes an unset limit as 0 when a client sets the field explicitly.
 */
export function intParam(min: number, max: number, defaultValue: number, description: string) {
  const error = `must be an integer between ${min} and ${max}`;
  const schema = z.int({ error }).min(min, { error }).max(max, { error }).default(defaultValue);
  const coerce = (raw: string) =>
    raw === '0' && min > 0 ? undefined : /^\d+$/.test(raw) ? Number(raw) : raw;
  return single(schema, coerce).meta({ description: `${description} 0 means the default.` });
}

export function boolParam(description: string) {
  const coerce = (raw: string) =>
    ({ true: true, '1': true, false: false, '0': false })[raw.toLowerCase()] ?? raw;
  return single(z.boolean({ error: 'must be true, false, 1 or 0' }).default(false), coerce).meta({
    description,
  });
}

function enumSchema<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

/** Case-insensitive matching maps `approved` to `APPROVED`, as Bacalhau's node filters do. */
function enumCoerce(values: readonly string[], caseInsensitive: boolean) {
  return caseInsensitive
    ? (raw: string) => values.find((v) => v.toLowerCase() === raw.toLowerCase()) ?? raw
    : undefined;
}

/**
 * `aliases` maps other spellings to a value: Bacalhau's `created_at` for Shoal's `create_time`.
 * An empty value is the default, as it is to Bacalhau's server: the Python SDK sends `order_by=`.
 */
export function enumParam<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue: T[number],
  description: string,
  aliases: Readonly<Record<string, T[number]>> = {},
) {
  const coerce = (raw: string) => (raw === '' ? undefined : Object.hasOwn(aliases, raw) ? aliases[raw] : raw);
  const also = Object.entries(aliases).map(([alias, value]) => `\`${alias}\` is \`${value}\``);
  const text = also.length === 0 ? description : `${description} ${also.join(', ')}.`;
  return single(enumSchema(values).default(defaultValue), coerce).meta({ description: text });
}

export function optionalEnumParam<const T extends readonly [string, ...string[]]>(
  values: T,
  description: string,
  options: { caseInsensitive?: boolean } = {},
) {
  const schema = enumSchema(values).optional();
  const match = enumCoerce(values, options.caseInsensitive ?? false);
  // Empty is no filter, as it is to Bacalhau's server.
  const coerce = (raw: string) => (raw === '' ? undefined : match ? match(raw) : raw);
  return single(schema, coerce).meta({ description });
}

/** Free text such as a stop reason or an opaque page token: bounded, no control characters. */
export function textParam(maxLength: number, description: string) {
  const error = `must be at most ${maxLength} characters without control characters`;
  const text = z
    .string()
    .max(maxLength, { error })
    .refine((s) => !/\p{Cc}/u.test(s), { error });
  return single(text.optional()).meta({ description });
}

/** An id or id prefix; the same check as path ids, so nothing odd ever reaches a query. */
export function idParam(description: string) {
  const error = 'must be an id or id prefix (letters, digits, "-" and "_", at most 255 characters)';
  const id = z.string().refine(isValidIdQuery, { error }).meta({ pattern: ID_QUERY_PATTERN });
  // Empty is no filter: the Python SDK sends `execution_id=&node_id=` when none is given.
  return single(id.optional(), (raw) => (raw === '' ? undefined : raw)).meta({ description });
}

/** Label selectors, repeatable and ANDed. Syntax is checked here so it is reported with the rest. */
export function selectorsParam(description: string) {
  const selectors = z.array(z.string()).superRefine((inputs, ctx) => {
    for (const input of inputs) {
      try {
        parseSelectorsWithNumeric([input]);
      } catch (error) {
        if (!(error instanceof SelectorSyntaxError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message, input });
      }
    }
  });
  return repeated(selectors).meta({ description });
}

/** `include=history,executions` or repeated `include=history&include=executions`. */
export function listParam<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  const item = z.enum(values, { error: `must be a comma-separated list of ${values.join(', ')}` });
  const split = (raw: Raw) =>
    (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).filter(Boolean);
  return z.preprocess(split, z.array(item)).meta({ description });
}

/** Unix seconds or an RFC 3339 time; the route converts either to nanoseconds. */
export function sinceParam(description: string) {
  const error = 'must be Unix seconds (a non-negative integer) or an RFC 3339 time';
  // Each branch carries the message too: zod reports the branch whose type matched.
  const seconds = z.int({ error }).min(0, { error });
  const rfc3339 = z
    .string()
    .refine((s) => isoToNanos(s) !== undefined, { error })
    .meta({ format: 'date-time' });
  const schema = z.union([seconds, rfc3339], { error }).default(0);
  return single(schema, (raw) => (/^\d{1,15}$/.test(raw) ? Number(raw) : raw)).meta({ description });
}

/** Parses a route's query string against its schema, or throws one 400 listing every problem. */
export function parseQuery<S extends z.ZodObject>(c: Context, schema: S): z.output<S> {
  const all = c.req.queries();
  const input: Record<string, Raw> = {};
  for (const key of Object.keys(schema.shape)) {
    const values = all[key];
    input[key] = values === undefined ? undefined : values.length === 1 ? values[0] : values;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems: FieldProblem[] = result.error.issues.map((issue) => ({
    path: String(issue.path[0] ?? ''),
    message: issue.message,
  }));
  throw ShoalError.validation(problems, 'API', 'see /api/v1/openapi.json for the parameters of each route');
}
