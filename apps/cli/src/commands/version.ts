import { encodeJson } from '@shoal/models';
import type { Command } from 'commander';
import type { BuildInfo } from '../build-info.js';
import type { CliIO } from '../io.js';

export function addVersionCommand(program: Command, io: CliIO, info: BuildInfo): void {
  program
    .command('version')
    .description('print the version of this shoal client')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((opts: { output: string }) => {
      if (opts.output === 'json') {
        io.out(
          `${encodeJson({ ClientVersion: { GitVersion: `v${info.version}`, Node: info.node, Platform: info.platform } }, 2)}\n`,
        );
      } else {
        io.out(`shoal v${info.version} (node ${info.node}, ${info.platform})\n`);
      }
    });
}
