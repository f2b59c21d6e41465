import { encodeJson } from '@shoal/models';
import { InvalidArgumentError, Option } from 'commander';

/**
 * `-o, --output table|wide|json|yaml`, the same on every command. `table` is for people (cells cut
 * to the terminal), `wide` adds every column and cuts nothing, and json and yaml print the API's
 * objects whole, int64 values as exact integer literals (the client keeps them as bigint;
 * encodeJson and yaml both write bigint bare). `text` is still read, as `table`.
 */

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export type StructuredFormat = Extract<OutputFormat, 'json' | 'yaml'>;

export function parseFormat(value: string): OutputFormat {
  const format = value === 'text' ? 'table' : value;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidArgumentError(`must be one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  return format as OutputFormat;
}

export function outputOption(defaultFormat: OutputFormat = 'table'): Option {
  return new Option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(', ')}`)
    .argParser(parseFormat)
    .default(defaultFormat);
}

export function wideOption(): Option {
  return new Option('--wide', 'full ids and every column (the same as -o wide)');
}

/** json or yaml: the API's object, printed whole. */
export function isStructured(format: OutputFormat): format is StructuredFormat {
  return format === 'json' || format === 'yaml';
}

/** Every column, nothing cut: `-o wide` or `--wide`. */
export function isWide(flags: { output: OutputFormat; wide?: boolean | undefined }): boolean {
  return flags.output === 'wide' || flags.wide === true;
}

/**
 * The document for json or yaml output; table output is each command's own. The YAML writer is
 * loaded only when asked for: it is a large module, and most commands print a table or JSON.
 */
export async function formatData(format: StructuredFormat, data: unknown): Promise<string> {
  if (format === 'json') return `${encodeJson(data, 2)}\n`;
  const { toYaml } = await import('./yaml.js');
  return toYaml(data);
}
