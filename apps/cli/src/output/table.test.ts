import { describe, expect, it } from 'vitest';
import { type Column, formatMap, renderFields, renderTable } from './table.js';

interface Row {
  id: string;
  note: string;
}
const COLUMNS: Column<Row>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'FULL', value: (r) => `${r.id}-full`, wide: true },
  { header: 'NOTE', value: (r) => r.note, max: 8 },
];
const ROWS: Row[] = [
  { id: 'a', note: 'short' },
  { id: 'bbbb', note: 'a rather long note\nwith a newline' },
];

describe('renderTable', () => {
  it('aligns columns; off a terminal nothing is cut and each row stays one line', () => {
    expect(renderTable(COLUMNS, ROWS, { tty: false, wide: false })).toBe(
      'ID    NOTE\na     short\nbbbb  a rather long note with a newline\n',
    );
  });

  it('cuts long cells on a terminal unless --wide, which also adds the wide columns', () => {
    expect(renderTable(COLUMNS, ROWS, { tty: true, wide: false })).toBe(
      'ID    NOTE\na     short\nbbbb  a rathe…\n',
    );
    expect(renderTable(COLUMNS, ROWS, { tty: true, wide: true }).split('\n')[0]).toBe(
      'ID    FULL       NOTE',
    );
  });

  it('prints the header alone for no rows', () => {
    expect(renderTable(COLUMNS, [], { tty: false, wide: false })).toBe('ID  NOTE\n');
  });
});

describe('renderFields and formatMap', () => {
  it('aligns keys and sorts map entries', () => {
    expect(
      renderFields([
        ['ID', 'x'],
        ['Namespace', 'default'],
      ]),
    ).toBe('ID        = x\nNamespace = default\n');
    expect(formatMap({ zone: 'a', env: 'prod' })).toBe('env=prod, zone=a');
  });
});
