import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { collect, keyValue, positiveInt } from '../arg-parsers.js';
import { nextPageCommand, shellQuote } from './next-page.js';

/** The next-page hint repeats the command line as the user gave it, parsed by commander itself. */

function parsed(argv: string[]): Command {
  let ran: Command | undefined;
  const program = new Command('shoal').exitOverride();
  const list = program
    .command('job')
    .command('list')
    .argument('[id]')
    .option('--labels <selector>', 'repeatable', collect)
    .option('--limit <n>', 'how many', positiveInt, 10)
    .option('--reverse')
    .option('--no-color')
    .option('--env <K=V>', 'repeatable', keyValue)
    .option('--next-token <token>')
    .addOption(new Option('-o, --output <format>').choices(['text', 'json']).default('text'));
  list.action((_id, _flags, command: Command) => {
    ran = command;
  });
  program.parse(argv, { from: 'user' });
  if (!ran) throw new Error('the action did not run');
  return ran;
}

describe('nextPageCommand', () => {
  it('repeats every flag given, in a form a shell reads back, and replaces the token', () => {
    const command = parsed([
      'job',
      'list',
      '--reverse',
      '--labels',
      'env in (prod,dev)',
      '--labels',
      'team=x',
      '--limit',
      '5',
      '-o',
      'text',
      '--next-token',
      'old',
    ]);
    expect(nextPageCommand(command, 'T1')).toBe(
      "shoal job list --labels 'env in (prod,dev)' --labels team=x --limit 5 --reverse --output text --next-token T1",
    );
  });

  it('leaves out defaults the user did not type, keeps arguments, negated flags and maps', () => {
    expect(nextPageCommand(parsed(['job', 'list']), 'T')).toBe('shoal job list --next-token T');
    expect(nextPageCommand(parsed(['job', 'list', 'j-1a2b', '--no-color', '--env', 'A=1']), 'T')).toBe(
      'shoal job list j-1a2b --no-color --env A=1 --next-token T',
    );
  });
});

describe('shellQuote', () => {
  it('quotes only what a shell would split or expand, single quotes included', () => {
    expect(shellQuote('zone=a,b')).toBe('zone=a,b');
    expect(shellQuote('!legacy')).toBe("'!legacy'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });
});
