import { ShoalClient } from '@shoal/client';
import type { Command } from 'commander';
import type { BuildInfo } from './build-info.js';
import type { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import { describeError } from './output/errors.js';

/**
 * What the API commands share: where the API is (`--api`, else SHOAL_API, else the local
 * default), the token (SHOAL_TOKEN, sent as a bearer token), and one way to end: an exit code, or
 * a one-line error.
 */

export const DEFAULT_API_URL = 'http://127.0.0.1:1234';

/** CliIO plus what a few commands read; tests provide them, the process otherwise. */
export interface CommandIO extends CliIO {
  /** The whole of stdin (`job run -`). */
  readStdin?: () => Promise<string>;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface CommandContext {
  io: CommandIO;
  info: BuildInfo;
  setExit(code: ExitCode): void;
}

export interface ApiOptions {
  api?: string;
}

export function addApiOption(command: Command): Command {
  return command.option('--api <url>', `orchestrator API (env SHOAL_API; default ${DEFAULT_API_URL})`);
}

export function envOf(ctx: CommandContext): Readonly<Record<string, string | undefined>> {
  return ctx.io.env ?? process.env;
}

export function makeClient(ctx: CommandContext, options: ApiOptions): ShoalClient {
  const env = envOf(ctx);
  const apiUrl = options.api || env.SHOAL_API || DEFAULT_API_URL;
  const token = env.SHOAL_TOKEN || undefined;
  return new ShoalClient({ apiUrl, token, userAgent: `shoal/${ctx.info.version}` });
}

export async function readStdin(ctx: CommandContext): Promise<string> {
  if (ctx.io.readStdin) return ctx.io.readStdin();
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Wraps a command's action: its returned exit code is recorded, and any error is printed as one
 * line on stderr with the exit code it stands for.
 */
export function action<A extends unknown[]>(
  ctx: CommandContext,
  run: (...args: A) => Promise<ExitCode | undefined>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await run(...args);
      if (code !== undefined) ctx.setExit(code);
    } catch (error) {
      const { line, exitCode } = describeError(error);
      ctx.io.err(`${line}\n`);
      ctx.setExit(exitCode);
    }
  };
}
