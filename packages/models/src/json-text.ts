import type { FieldProblem } from './errors.js';
import { formatPath } from './submission/problems.js';

/**
 * Text that can be neither stored nor passed on: a lone UTF-16 surrogate (JSON can spell one,
 * `"\ud800"`, though no UTF-8 byte sequence can; Postgres refuses it, and re-encoding would change
 * it) and NUL (`"\u0000"`, which Postgres text and jsonb cannot hold). Checked once, on every key
 * and string of a decoded body, so the answer is a 400 naming the field instead of a store error.
 */

/** The first problems are enough to fix a body; a hostile one may have millions. */
export const MAX_TEXT_PROBLEMS = 20;

// With the `u` flag a paired surrogate is one code point, so only lone ones are in category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

function problemWith(text: string): string | undefined {
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    const code = lone[0].charCodeAt(0).toString(16);
    return `is not valid Unicode: a lone surrogate \\u${code} at character ${lone.index}`;
  }
  if (text.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  return undefined;
}

/** Every string and key of a decoded JSON value that cannot be stored, named by its path. */
export function textProblems(value: unknown, root: ReadonlyArray<PropertyKey> = []): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const visit = (node: unknown, path: PropertyKey[]): void => {
    if (problems.length >= MAX_TEXT_PROBLEMS) return;
    if (typeof node === 'string') {
      const problem = problemWith(node);
      if (problem) problems.push({ path: formatPath(path), message: problem });
    } else if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, [...path, i]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        const problem = problemWith(key);
        if (problem && problems.length < MAX_TEXT_PROBLEMS) {
          problems.push({ path: formatPath([...path, key]), message: `key ${problem}` });
        }
        visit(item, [...path, key]);
      }
    }
  };
  visit(value, [...root]);
  return problems;
}
