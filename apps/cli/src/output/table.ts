/**
 * Tables for humans. On a terminal, long cells are cut to fit (with `…`) unless `--wide`; when
 * stdout is not a terminal nothing is cut, so a pipe or a file gets every character, one row per
 * line, columns separated by at least two spaces.
 */

export interface Column<R> {
  header: string;
  value: (row: R) => string;
  /** Shown only with --wide. */
  wide?: boolean;
  /** On a terminal without --wide, cells longer than this are cut. */
  max?: number;
}

export interface TableOptions {
  tty: boolean;
  wide: boolean;
}

const GAP = '  ';

/** Keeps one row one line whatever the data holds. */
function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

function cut(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  return `${text.slice(0, Math.max(1, max - 1))}…`;
}

export function renderTable<R>(
  columns: ReadonlyArray<Column<R>>,
  rows: readonly R[],
  options: TableOptions,
): string {
  const shown = columns.filter((c) => options.wide || !c.wide);
  const cells = rows.map((row) =>
    shown.map((c) => {
      const text = clean(c.value(row));
      return options.tty && !options.wide ? cut(text, c.max) : text;
    }),
  );
  const widths = shown.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join(GAP)
      .trimEnd();
  return `${[line(shown.map((c) => c.header)), ...cells.map(line)].join('\n')}\n`;
}

/** `Key = value` lines, aligned, for describe commands. */
export function renderFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  return fields
    .map(([k, v]) => `${k.padEnd(width)} = ${clean(v)}`)
    .join('\n')
    .concat('\n');
}

/** `a=1, b=2`, keys sorted. */
export function formatMap(map: Readonly<Record<string, string>>): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${k}=${map[k]}`)
    .join(', ');
}
