import type { z } from 'zod';
import type { FieldProblem } from '../errors.js';
import { formatPath, problemsFromZod } from './problems.js';

/** Parses fields one at a time and keeps every problem, so one answer lists them all. */
export class FieldParser {
  readonly problems: FieldProblem[] = [];

  report = (path: ReadonlyArray<PropertyKey>, message: string): void => {
    this.problems.push({ path: formatPath(path), message });
  };

  /** The parsed value, or undefined after recording the schema's problems. */
  parse<S extends z.ZodType>(
    schema: S,
    value: unknown,
    path: ReadonlyArray<PropertyKey>,
  ): z.output<S> | undefined {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    this.problems.push(...problemsFromZod(result.error, path));
    return undefined;
  }

  /** Parses each field of an object; fields that fail are left out and their problems kept. */
  parseFields<F extends Record<string, z.ZodType>>(
    fields: F,
    raw: Record<string, unknown>,
    path: ReadonlyArray<PropertyKey>,
  ): { values: Partial<{ [K in keyof F]: z.output<F[K]> }>; ok: boolean } {
    const values: Record<string, unknown> = {};
    let ok = true;
    for (const [key, schema] of Object.entries(fields)) {
      const result = schema.safeParse(raw[key], { reportInput: true });
      if (result.success) values[key] = result.data;
      else {
        ok = false;
        this.problems.push(...problemsFromZod(result.error, [...path, key]));
      }
    }
    return { values: values as Partial<{ [K in keyof F]: z.output<F[K]> }>, ok };
  }
}
