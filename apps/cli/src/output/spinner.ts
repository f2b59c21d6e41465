import type { CliIO } from '../io.js';

/**
 * A one-line status while something runs (`--wait`). On a terminal it is a spinner rewritten in
 * place; otherwise each new status is a plain line, so logs and CI output stay readable. It writes
 * to stderr, so stdout carries only the job's own output.
 */

export interface Status {
  /** Shows `text`; in plain mode only when it differs from the last one. */
  update(text: string): void;
  /** Stops the spinner, leaving `text` (if any) as the last line. */
  done(text?: string): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\u001b[K';

export function startStatus(io: CliIO, options: { intervalMs?: number } = {}): Status {
  let text = '';
  let stopped = false;
  if (!io.isTTY) {
    return {
      update(next) {
        if (stopped || next === text) return;
        text = next;
        io.err(`${next}\n`);
      },
      done(last) {
        if (stopped) return;
        stopped = true;
        if (last !== undefined && last !== text) io.err(`${last}\n`);
      },
    };
  }
  let frame = 0;
  const draw = () => io.err(`${CLEAR_LINE}${FRAMES[frame % FRAMES.length]} ${text}`);
  const timer = setInterval(() => {
    frame += 1;
    draw();
  }, options.intervalMs ?? 100);
  timer.unref();
  return {
    update(next) {
      if (stopped) return;
      text = next;
      draw();
    },
    done(last) {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      io.err(CLEAR_LINE);
      if (last !== undefined) io.err(`${last}\n`);
    },
  };
}
