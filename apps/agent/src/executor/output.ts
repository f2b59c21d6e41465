import type { RunOutput } from '@shoal/models';

/**
 * RunOutput carries only the first N bytes of each stream (a task that floods its output must not bloat
 * the outbox, the wire or the orchestrator's database); the truncated flags say so. Engines that
 * capture the full output keep it on the agent for `logs`.
 */

export const DEFAULT_MAX_INLINE_OUTPUT_BYTES = 64 * 1024;

/** The first `maxBytes` bytes of `text` as UTF-8, never splitting a character. */
export function capText(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return { text, truncated: false };
  // Encode at most what can matter: a UTF-16 unit is at most 3 bytes, and 4 for a surrogate pair.
  const bytes = Buffer.from(text.slice(0, maxBytes + 1), 'utf8');
  let end = Math.max(0, maxBytes);
  // Back off over continuation bytes (10xxxxxx) so the cut falls before a character's first byte.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

export interface RawOutput {
  stdout?: string | undefined;
  stderr?: string | undefined;
  exitCode?: number | undefined;
  runnerError?: string | undefined;
}

export function makeRunOutput(raw: RawOutput, maxInlineBytes = DEFAULT_MAX_INLINE_OUTPUT_BYTES): RunOutput {
  const stdout = capText(raw.stdout ?? '', maxInlineBytes);
  const stderr = capText(raw.stderr ?? '', maxInlineBytes);
  return {
    stdout: stdout.text,
    stdouttruncated: stdout.truncated,
    stderr: stderr.text,
    stderrtruncated: stderr.truncated,
    exitCode: raw.exitCode ?? 0,
    runnerError: raw.runnerError ?? '',
  };
}
