import type { Labels } from './matcher.js';
import type { Selector } from './selector.js';
import { labelKeyProblem, parseSelectors, SelectorSyntaxError } from './selector.js';

/**
 * Kubernetes' `key>N` and `key<N` requirements, which Bacalhau's clients may send in `labels`.
 * They hold when the label is present and both it and N are integers, compared as numbers. The
 * store's selector SQL knows the set operators only, so these are split off the selector and
 * checked on each page afterwards, as Bacalhau's own endpoints filter a fetched page by labels.
 */

export interface NumericRequirement {
  readonly key: string;
  readonly op: 'gt' | 'lt';
  readonly value: bigint;
}

export interface SelectorWithNumeric {
  selector: Selector;
  numeric: readonly NumericRequirement[];
}

const INTEGER = /^[+-]?\d+$/;
const CLAUSE = /^\s*([^\s<>=!,()]+)\s*([<>])\s*(\S*)\s*$/;

/** Splits a selector at top-level commas: those inside `in (a,b)` belong to their clause. */
function clauses(input: string): Array<{ text: string; pos: number }> {
  const out: Array<{ text: string; pos: number }> = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= input.length; i += 1) {
    const ch = input.charAt(i);
    if (ch === '(') depth += 1;
    else if (ch === ')') depth -= 1;
    else if ((ch === ',' && depth === 0) || i === input.length) {
      out.push({ text: input.slice(start, i), pos: start });
      start = i + 1;
    }
  }
  return out;
}

/** Parses selectors that may hold `>` and `<` clauses; errors name the offset, as parseSelector's do. */
export function parseSelectorsWithNumeric(inputs: readonly string[]): SelectorWithNumeric {
  const numeric: NumericRequirement[] = [];
  const rest: string[] = [];
  for (const input of inputs) {
    if (!/[<>]/.test(input)) {
      rest.push(input);
      continue;
    }
    const kept: string[] = [];
    for (const clause of clauses(input)) {
      const m = CLAUSE.exec(clause.text);
      if (!m) {
        kept.push(clause.text);
        continue;
      }
      const [, key = '', op, value = ''] = m;
      const keyProblem = labelKeyProblem(key);
      if (keyProblem)
        throw new SelectorSyntaxError(input, clause.pos, `invalid label key "${key}"`, keyProblem);
      if (!INTEGER.test(value)) {
        throw new SelectorSyntaxError(
          input,
          clause.pos,
          `expected an integer after '${op}'`,
          `got "${value}"`,
        );
      }
      numeric.push({ key, op: op === '>' ? 'gt' : 'lt', value: BigInt(value) });
    }
    if (kept.length > 0) rest.push(kept.join(','));
  }
  return { selector: parseSelectors(rest), numeric };
}

export function numericMatches(requirements: readonly NumericRequirement[], labels: Labels): boolean {
  return requirements.every((r) => {
    const text = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    if (text === undefined || !INTEGER.test(text)) return false;
    const value = BigInt(text);
    return r.op === 'gt' ? value > r.value : value < r.value;
  });
}
