import { availableParallelism, cpus, loadavg } from 'node:os';
import { percentile } from '../jobs-client.js';

/**
 * bench:scale's output: each figure as it is measured, then a table of them all (figure | goal |
 * measured), the shape docs/performance.md keeps. There are no assertions: a goal missed is
 * printed as such and the run goes on.
 */

interface Row {
  figure: string;
  goal: string;
  measured: string;
}

const rows: Row[] = [];

/** Prints a figure now and keeps it for the table. */
export function figure(name: string, goal: string, measured: string): void {
  rows.push({ figure: name, goal, measured });
  console.log(`${name}: ${measured}${goal ? ` (goal ${goal})` : ''}`);
}

export function note(line: string): void {
  console.log(`  ${line}`);
}

export function section(title: string): void {
  console.log(`\n== ${title}`);
}

export function printTable(): void {
  console.log('\n| figure | goal | measured |\n| --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.figure} | ${row.goal || '—'} | ${row.measured} |`);
}

/** The machine, so the figures are read against it. */
export function machine(): string {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${load}`;
}

export const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
export const seconds = (valueMs: number) => `${(valueMs / 1000).toFixed(1)} s`;

/** `p50 … ms, p99 … ms, max … ms` of sorted milliseconds. */
export function latencies(sorted: number[]): string {
  return `p50 ${ms(percentile(sorted, 0.5))}, p99 ${ms(percentile(sorted, 0.99))}, max ${ms(sorted.at(-1) ?? 0)}`;
}

/** `verdict(ok)` → "met" / "NOT met", appended to a measured value. */
export const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
