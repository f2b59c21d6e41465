/**
 * Kubernetes-style label selectors (`env=prod,tier in (a,b),!legacy`). This is the one parser we
 * write by hand, because users see its errors: each names the character offset it stopped at.
 */

/**
 * One ANDed clause. Plain data, so a store can translate it to jsonb SQL; the tuple types make the
 * value count part of the contract instead of something each translator re-checks.
 */
export type Requirement =
  | { readonly key: string; readonly op: 'eq' | 'neq'; readonly values: readonly [string] }
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly [string, ...string[]] }
  | { readonly key: string; readonly op: 'exists' | 'notexists'; readonly values: readonly [] };

export type RequirementOp = Requirement['op'];

/** Requirements are sorted and deduplicated, so equal selectors compare and format equal. */
export interface Selector {
  readonly requirements: readonly Requirement[];
}

export class SelectorSyntaxError extends Error {
  override readonly name = 'SelectorSyntaxError';

  constructor(
    readonly selector: string,
    readonly position: number,
    problem: string,
    reason?: string,
  ) {
    const tail = reason === undefined ? '' : `: ${reason}`;
    super(`label selector ${JSON.stringify(selector)}: ${problem} at position ${position}${tail}`);
  }
}

const LABEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const NAME_RULE = "use letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

/** Why `key` is not a valid label key, or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return 'the prefix before "/" must be a lowercase DNS subdomain of at most 253 characters';
    }
  }
  if (name.length === 0) return 'the name must not be empty';
  if (name.length > 63) return 'the name must be at most 63 characters';
  if (!LABEL_NAME.test(name)) return `the name must ${NAME_RULE}`;
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. Empty is valid. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return 'a value must be at most 63 characters';
  if (value !== '' && !LABEL_NAME.test(value)) return `a value must ${NAME_RULE}`;
  return undefined;
}

type TokenKind = 'ident' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const SINGLE = new Map<string, TokenKind>([
  ['=', '='],
  ['!', '!'],
  ['(', '('],
  [')', ')'],
  [',', ','],
]);
const isBreak = (ch: string): boolean => /\s/.test(ch) || SINGLE.has(ch);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input.charAt(i);
    const pair = input.slice(i, i + 2);
    const single = SINGLE.get(ch);
    if (/\s/.test(ch)) {
      i += 1;
    } else if (pair === '==' || pair === '!=') {
      tokens.push({ kind: pair, text: pair, pos: i });
      i += 2;
    } else if (single !== undefined) {
      tokens.push({ kind: single, text: ch, pos: i });
      i += 1;
    } else {
      let end = i + 1;
      while (end < input.length && !isBreak(input.charAt(end))) end += 1;
      tokens.push({ kind: 'ident', text: input.slice(i, end), pos: i });
      i = end;
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: input.length });
  return tokens;
}

/** Parses one selector; the empty (or blank) selector matches everything. */
export function parseSelector(input: string): Selector {
  const tokens = tokenize(input);
  let index = 0;
  // The eof token is never consumed, so reading past it keeps returning it.
  const peek = (): Token => tokens[Math.min(index, tokens.length - 1)] as Token;
  const next = (): Token => {
    const token = peek();
    if (token.kind !== 'eof') index += 1;
    return token;
  };
  const expected = (token: Token, what: string) =>
    new SelectorSyntaxError(input, token.pos, `expected ${what}`);

  const word = (what: 'key' | 'value'): string => {
    const token = next();
    if (token.kind !== 'ident') throw expected(token, `label ${what}`);
    const problem = what === 'key' ? labelKeyProblem(token.text) : labelValueProblem(token.text);
    if (problem !== undefined) {
      throw new SelectorSyntaxError(input, token.pos, `invalid label ${what} "${token.text}"`, problem);
    }
    return token.text;
  };

  const requirement = (): Requirement => {
    if (peek().kind === '!') {
      next();
      return { key: word('key'), op: 'notexists', values: [] };
    }
    const key = word('key');
    const op = peek();
    if (op.kind === ',' || op.kind === 'eof') return { key, op: 'exists', values: [] };
    if (op.kind === '=' || op.kind === '==' || op.kind === '!=') {
      next();
      // `k=` is legal and means "k is present with the empty value".
      const value = peek().kind === 'ident' ? word('value') : '';
      return { key, op: op.kind === '!=' ? 'neq' : 'eq', values: [value] };
    }
    if (op.kind === 'ident' && (op.text === 'in' || op.text === 'notin')) {
      next();
      const open = next();
      if (open.kind !== '(') throw expected(open, "'('");
      const values = [word('value')];
      for (let sep = next(); sep.kind !== ')'; sep = next()) {
        if (sep.kind !== ',') throw expected(sep, "',' or ')'");
        values.push(word('value'));
      }
      return setRequirement(key, op.text, values);
    }
    throw expected(op, "'=', '==', '!=', 'in', 'notin', ',' or end of input");
  };

  const requirements: Requirement[] = [];
  if (peek().kind === 'eof') return { requirements };
  for (;;) {
    requirements.push(requirement());
    const sep = next();
    if (sep.kind === 'eof') return normalize(requirements);
    if (sep.kind !== ',') throw expected(sep, "',' or end of input");
  }
}

/** ANDs several selectors, as when the `labels` query parameter is repeated. */
export function parseSelectors(inputs: readonly string[]): Selector {
  return normalize(inputs.flatMap((input) => parseSelector(input).requirements));
}

function setRequirement(key: string, op: 'in' | 'notin', values: readonly string[]): Requirement {
  const [first, ...rest] = [...new Set(values)].sort();
  if (first === undefined) throw new RangeError(`a label requirement "${op}" needs at least one value`);
  return { key, op, values: [first, ...rest] };
}

function normalize(requirements: readonly Requirement[]): Selector {
  const unique = new Map(requirements.map((r) => [formatRequirement(r), r] as const));
  const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = [...unique].sort(([textA, a], [textB, b]) => order(a.key, b.key) || order(textA, textB));
  return { requirements: sorted.map(([, r]) => r) };
}

export function formatRequirement(r: Requirement): string {
  switch (r.op) {
    case 'eq':
      return `${r.key}=${r.values[0]}`;
    case 'neq':
      return `${r.key}!=${r.values[0]}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.op} (${r.values.join(',')})`;
    case 'exists':
      return r.key;
    case 'notexists':
      return `!${r.key}`;
  }
}

/** Canonical text: `parseSelector(formatSelector(s))` gives back `s` for any parsed `s`. */
export function formatSelector(selector: Selector): string {
  return selector.requirements.map(formatRequirement).join(',');
}
