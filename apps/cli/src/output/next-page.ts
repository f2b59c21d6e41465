import type { Command } from 'commander';

/**
 * The "next page" hint of listing commands: the same command line again, with every flag the user
 * gave (so the order, filters, limit and output stay those of the page just shown, and the
 * server accepts the token, which is bound to that order) plus `--next-token T`. It is built from
 * what commander parsed, so a flag added to a command later is repeated without anyone
 * remembering to. Words are quoted for a POSIX shell, so the hint can be pasted as it is.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `zone=a` stays as it is; `env in (prod,dev)` becomes `'env in (prod,dev)'`. */
export function shellQuote(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Each flag as the words that set it again: `['--labels', 'a=1']`, `['--reverse']`. */
export function givenFlags(command: Command, skip: readonly string[] = []): string[][] {
  const words: string[][] = [];
  for (const option of command.options) {
    const flag = option.long ?? option.short;
    if (!flag || skip.includes(flag)) continue;
    const key = option.attributeName();
    if (command.getOptionValueSource(key) !== 'cli') continue;
    const value: unknown = command.getOptionValue(key);
    if (typeof value === 'boolean') {
      // `--no-x` sets false; a flag without a value (or an optional one left out) sets true.
      if (value === !option.negate) words.push([flag]);
    } else if (Array.isArray(value)) {
      for (const v of value) words.push([flag, String(v)]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) words.push([flag, `${k}=${String(v)}`]);
    } else {
      words.push([flag, String(value)]);
    }
  }
  return words;
}

/** `shoal job list --reverse --limit 5 --next-token T`, for the command commander just ran. */
export function nextPageCommand(command: Command, token: string): string {
  const path: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) path.unshift(c.name());
  const words = [
    'shoal',
    ...path,
    ...command.args,
    ...givenFlags(command, ['--next-token']).flat(),
    '--next-token',
    token,
  ];
  return words.map(shellQuote).join(' ');
}
