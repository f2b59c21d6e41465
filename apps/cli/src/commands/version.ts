import type { Command } from 'commander';
import type { BuildInfo } from '../build-info.js';
import type { CliIO } from '../io.js';
import { formatData, isStructured, type OutputFormat, outputOption } from '../output/format.js';

export function addVersionCommand(program: Command, io: CliIO, info: BuildInfo): void {
  program
    .command('version')
    .description('print the version of this shoal client')
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }) => {
      const data = {
        ClientVersion: { GitVersion: `v${info.version}`, Node: info.node, Platform: info.platform },
      };
      if (isStructured(opts.output)) io.out(await formatData(opts.output, data));
      else io.out(`shoal v${info.version} (node ${info.node}, ${info.platform})\n`);
    });
}
