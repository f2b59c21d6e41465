import { type Command, InvalidArgumentError, Option } from 'commander';
import { OUTPUT_FORMATS, type OutputFormat, parseFormat } from '../output/format.js';

/**
 * Result paths on the run commands that build a task (`docker run`, `wasm run`): `--result-path`,
 * and `-o/--output NAME:PATH`, the flag Bacalhau's `docker run` reads them from (`NAME:PATH` up to
 * v1.3's `--output-volumes`, `NAME=PATH` from v1.4's `--output`). Shoal's `-o` is the output
 * format, so there it takes both: a format name is the format, anything else a result path.
 */

export type ResultPath = { Name: string; Path: string };

const FORMAT_NAMES: readonly string[] = [...OUTPUT_FORMATS, 'text'];

/** `outputs:/outputs` or `outputs=/outputs`: a ResultPath; repeatable. */
export function parseResultPath(value: string, previous: ResultPath[] = []): ResultPath[] {
  const cut = value.search(/[:=]/);
  if (cut <= 0 || !value.slice(cut + 1).startsWith('/')) {
    throw new InvalidArgumentError(`expected NAME:/absolute/path, got ${JSON.stringify(value)}`);
  }
  return [...previous, { Name: value.slice(0, cut), Path: value.slice(cut + 1) }];
}

export function resultPathOption(): Option {
  return new Option(
    '--result-path <name:path>',
    'a directory whose files are the results; repeatable',
  ).argParser(parseResultPath);
}

/** `-o`: the output format, or a result path added to `--result-path`'s (see the module comment). */
export function outputOrResultOption(command: Command): Option {
  return new Option(
    '-o, --output <format|name:path>',
    `output format (${OUTPUT_FORMATS.join(', ')}), or a result path as Bacalhau's docker run takes it`,
  )
    .argParser((value: string, previous: OutputFormat) => {
      if (FORMAT_NAMES.includes(value)) return parseFormat(value);
      const results = command.getOptionValue('resultPath') as ResultPath[] | undefined;
      command.setOptionValue('resultPath', parseResultPath(value, results));
      return previous;
    })
    .default('table');
}
