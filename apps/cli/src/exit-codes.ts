/** The CLI's exit codes: scripts depend on them. */
export const ExitCode = {
  Ok: 0,
  /** The job (or the operation) failed. */
  Failed: 1,
  /** The command line was wrong: unknown flag, missing argument, bad file. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
