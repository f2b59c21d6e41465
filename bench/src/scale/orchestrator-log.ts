import { type Logger, pino } from 'pino';
import { note } from './report.js';

/**
 * The in-process orchestrator's log, tallied instead of printed. Under 10,000 nodes a failure
 * repeats for thousands of nodes; a thousand identical lines hide the figures, while "control
 * handler failed: store unavailable: connection lost × 1,560" says what broke. The first few
 * lines are still printed whole, with their fields.
 */

const PRINTED_WHOLE = 3;
const LEVELS: Record<number, string> = { 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export class OrchestratorLog {
  readonly logger: Logger;
  private counts = new Map<string, number>();
  private printed = 0;

  constructor(level: string) {
    this.logger = pino({ level, base: { component: 'orchestrator' } }, { write: (line) => this.tally(line) });
  }

  /** Prints what was logged since the last call, most frequent first, and starts counting again. */
  flush(): void {
    const entries = [...this.counts].sort((a, b) => b[1] - a[1]);
    this.counts = new Map();
    for (const [key, count] of entries.slice(0, 8)) note(`orchestrator log: ${key} × ${count}`);
    if (entries.length > 8) note(`orchestrator log: ${entries.length - 8} more kinds of line`);
  }

  private tally(line: string): void {
    if (this.printed < PRINTED_WHOLE) {
      this.printed++;
      process.stdout.write(line);
    }
    let entry: { level?: number; msg?: string; err?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      entry = { msg: line.trim() };
    }
    const err = typeof entry.err === 'string' ? `: ${entry.err.slice(0, 100)}` : '';
    const key = `${LEVELS[entry.level ?? 0] ?? 'log'} "${entry.msg ?? ''}${err}"`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}
