import { encodeJson } from '@shoal/models';
import { Option } from 'commander';
import { stringify } from 'yaml';

/**
 * `--output text|json|yaml`. JSON and YAML print the API's objects whole, int64 values as exact
 * integer literals (the client keeps them as bigint; encodeJson and yaml both write bigint bare).
 */

export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputOption(defaultFormat: OutputFormat = 'text'): Option {
  return new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default(defaultFormat);
}

export function wideOption(): Option {
  return new Option('--wide', 'full ids and every column');
}

/** The document for json or yaml output; text output is each command's own. */
export function formatData(format: 'json' | 'yaml', data: unknown): string {
  if (format === 'json') return `${encodeJson(data, 2)}\n`;
  return stringify(data, { lineWidth: 0 });
}
