import type { CliIO } from '../io.js';
import { formatData, isStructured, isWide, type OutputFormat } from './format.js';
import { type Column, renderTable } from './table.js';

/**
 * A listing command's page: the API's whole object for json/yaml, else a table of its rows and,
 * when there is more, on stderr how to get the next page.
 */
export async function printPage<R>(
  io: CliIO,
  flags: { output: OutputFormat; wide?: boolean | undefined },
  page: { NextToken: string },
  table: { columns: ReadonlyArray<Column<R>>; rows: readonly R[]; more: (token: string) => string },
): Promise<void> {
  if (isStructured(flags.output)) {
    io.out(await formatData(flags.output, page));
    return;
  }
  io.out(renderTable(table.columns, table.rows, { tty: io.isTTY, wide: isWide(flags) }));
  if (page.NextToken) io.err(`${table.more(page.NextToken)}\n`);
}
