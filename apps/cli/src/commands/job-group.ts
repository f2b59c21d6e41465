import type { Command } from 'commander';

/** `shoal job`, before its subcommands are added (job.ts adds them all, command-loaders.ts one). */
export function addJobGroup(program: Command): Command {
  return program.command('job').description('submit, inspect and stop jobs');
}
