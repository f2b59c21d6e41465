import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { action, type CommandContext } from '../api-options.js';
import { ExitCode } from '../exit-codes.js';
import { formatData, isStructured, type OutputFormat, outputOption } from '../output/format.js';

/**
 * `shoal node token`: prints the join token of the orchestrator whose state is in --data-dir, the
 * token a new node passes to `shoal serve --compute --join-token`. Run on the orchestrator's
 * machine: the token is read from its state dir, not asked of the API, so it never crosses the
 * network unless an operator carries it.
 */
export function addNodeTokenCommand(node: Command, ctx: CommandContext): void {
  node
    .command('token')
    .description("print the join token new nodes need (read from the orchestrator's --data-dir)")
    .option('--data-dir <dir>', 'the orchestrator’s data directory (default ~/.shoal)')
    .addOption(outputOption())
    .action(
      action(ctx, async (flags: { dataDir?: string; output: OutputFormat }) => {
        const file = joinTokenFile(flags.dataDir ?? join(homedir(), '.shoal'));
        let token: string;
        try {
          token = readFileSync(file, 'utf8').trim();
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          const why =
            code === 'ENOENT' ? 'no join token there yet (start the orchestrator once)' : String(error);
          ctx.io.err(`error: cannot read ${file}: ${why}\n`);
          return ExitCode.Failed;
        }
        ctx.io.out(
          isStructured(flags.output) ? await formatData(flags.output, { JoinToken: token }) : `${token}\n`,
        );
        return ExitCode.Ok;
      }),
    );
}

/** Where `shoal serve --orchestrator` keeps the token of the nats-server it runs. */
export function joinTokenFile(dataDir: string): string {
  return join(resolve(dataDir), 'orchestrator', 'nats', 'join-token');
}
