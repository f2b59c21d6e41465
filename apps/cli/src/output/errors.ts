import { isApiConnectionError } from '@shoal/client';
import { ErrorCode, isShoalError } from '@shoal/models';
import { ExitCode } from '../exit-codes.js';

/**
 * Every failure a command meets, as one line and an exit code. The server's message and hint are
 * shown as they are; no stack trace. What the user typed wrong (a bad file, an unknown id, a job
 * the server refuses) is a usage error (2); anything else that did not work is a failure (1).
 */

const USAGE_CODES: ReadonlySet<string> = new Set([
  ErrorCode.BadRequest,
  ErrorCode.Validation,
  ErrorCode.NotFound,
  ErrorCode.Ambiguous,
  ErrorCode.PayloadTooLarge,
  ErrorCode.UnsupportedMediaType,
]);

/** Keeps the report on one line whatever the server put in it. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

export function describeError(error: unknown): { line: string; exitCode: ExitCode } {
  if (isApiConnectionError(error)) {
    return {
      line: oneLine(
        `Error: ${error.message}. Is an orchestrator running? Start one with \`shoal serve --orchestrator\` (or \`shoal devstack\`), or point --api / SHOAL_API at one.`,
      ),
      exitCode: ExitCode.Failed,
    };
  }
  if (isShoalError(error)) {
    const hint = error.hint ? ` (hint: ${error.hint})` : '';
    return {
      line: oneLine(`Error: ${error.message}${hint}`),
      exitCode: USAGE_CODES.has(error.code) ? ExitCode.Usage : ExitCode.Failed,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { line: oneLine(`Error: ${message}`), exitCode: ExitCode.Failed };
}
