import { formatPath } from '../submission/problems.js';

/**
 * Reads a decoded JSON document the way Go's encoding/json fills a struct, so that what Bacalhau's
 * own clients send means to Shoal what it means to Bacalhau:
 *
 * - an object key names a field exactly or, failing that, case-insensitively (`name` is `Name`);
 *   when two keys name one field, the later one wins, as Go overwrites the field;
 * - a key that names no field is dropped and reported, never an error (Go ignores it);
 * - `null` leaves a field absent; a `null` value in a string map is the empty string (Go's zero);
 * - a value of the wrong kind is kept as it came, so the schema that follows reports it by path.
 *
 * `opaque` subtrees (engine, publisher and input-source Params) pass through untouched: their own
 * schemas are strict, because the agent acts on every key in them.
 */

export type Shape =
  | { kind: 'object'; fields: Readonly<Record<string, Shape>>; aliases?: Readonly<Record<string, string>> }
  | { kind: 'array'; item: Shape }
  | { kind: 'map'; value: Shape }
  | { kind: 'scalar' }
  | { kind: 'opaque' };

export const scalar: Shape = { kind: 'scalar' };
export const opaque: Shape = { kind: 'opaque' };
export const arrayOf = (item: Shape): Shape => ({ kind: 'array', item });
export const mapOf = (value: Shape = scalar): Shape => ({ kind: 'map', value });
/** `aliases` name older spellings of a field (`ResourcesConfig` for `Resources`). */
export const object = (
  fields: Readonly<Record<string, Shape>>,
  aliases: Readonly<Record<string, string>> = {},
): Shape => ({ kind: 'object', fields, aliases });

export interface Decoded<T = unknown> {
  value: T;
  /** Field paths of the keys that named no field, in the order they came (`Job.Tasks[0].Foo`). */
  unknown: string[];
}

type Path = ReadonlyArray<PropertyKey>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's lookup: the exact name first, then any name equal under case folding. */
function fieldFor(key: string, shape: Extract<Shape, { kind: 'object' }>): string | undefined {
  const aliases = shape.aliases ?? {};
  if (Object.hasOwn(shape.fields, key)) return key;
  if (Object.hasOwn(aliases, key)) return aliases[key];
  const folded = key.toLowerCase();
  const field = Object.keys(shape.fields).find((f) => f.toLowerCase() === folded);
  if (field !== undefined) return field;
  const alias = Object.keys(aliases).find((a) => a.toLowerCase() === folded);
  return alias === undefined ? undefined : aliases[alias];
}

function walk(value: unknown, shape: Shape, path: Path, unknown: string[]): unknown {
  switch (shape.kind) {
    case 'scalar':
    case 'opaque':
      return value;
    case 'array':
      return Array.isArray(value)
        ? value.map((item, i) => walk(item, shape.item, [...path, i], unknown))
        : value;
    case 'map': {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] =
          item === null && shape.value.kind === 'scalar'
            ? ''
            : walk(item, shape.value, [...path, key], unknown);
      }
      return out;
    }
    case 'object': {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const field = fieldFor(key, shape);
        if (field === undefined) {
          unknown.push(formatPath([...path, key]));
          continue;
        }
        // null leaves the field as it was: absent, or as an earlier key for it set it.
        if (item === null) continue;
        out[field] = walk(item, shape.fields[field] as Shape, [...path, field], unknown);
      }
      return out;
    }
  }
}

/** Decodes `value` against `shape`; `root` prefixes the reported paths (`['Job']`). */
export function decodeAs(shape: Shape, value: unknown, root: Path = []): Decoded {
  const unknown: string[] = [];
  const decoded = value === null ? undefined : walk(value, shape, root, unknown);
  return { value: decoded, unknown };
}

/** The warning a response carries for each ignored key. */
export function unknownFieldWarning(path: string): string {
  return `unknown field ${path} was ignored`;
}
