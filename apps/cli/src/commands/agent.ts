import type { NodeInfo } from '@shoal/models';
import type { Command } from 'commander';
import { type ApiOptions, action, addApiOption, type CommandContext, makeClient } from '../api-options.js';
import { ExitCode } from '../exit-codes.js';
import { formatData, isStructured, type OutputFormat, outputOption } from '../output/format.js';
import { formatMap, renderFields } from '../output/table.js';

/** `shoal agent alive|version|node|config`: the orchestrator the CLI talks to, about itself. */

interface AgentFlags extends ApiOptions {
  output: OutputFormat;
}

function infoText(info: NodeInfo): string {
  return renderFields([
    ['ID', info.NodeID],
    ['Type', info.NodeType],
    ['Labels', formatMap(info.Labels)],
    ['Version', info.Version.GitVersion],
  ]);
}

export function addAgentCommand(program: Command, ctx: CommandContext): void {
  const agent = program.command('agent').description('ask the orchestrator about itself');
  const sub = (
    name: string,
    description: string,
    text: (client: ReturnType<typeof makeClient>) => Promise<{ data: unknown; text: string }>,
    defaultFormat: OutputFormat = 'table',
  ) =>
    addApiOption(agent.command(name).description(description).addOption(outputOption(defaultFormat))).action(
      action(ctx, async (flags: AgentFlags) => {
        const { data, text: human } = await text(makeClient(ctx, flags));
        ctx.io.out(isStructured(flags.output) ? await formatData(flags.output, data) : human);
        return ExitCode.Ok;
      }),
    );

  sub('alive', 'check that the orchestrator answers', async (client) => {
    const data = await client.agent.alive();
    return { data, text: `${data.Status}\n` };
  });
  sub('version', 'the client’s and the server’s versions', async (client) => {
    const data = await client.agent.version();
    const v = data;
    return {
      data,
      text: renderFields([
        ['Client', `v${ctx.info.version}`],
        ['Server', v.GitVersion],
        ['Commit', v.GitCommit],
        ['Built', v.BuildDate],
        ['Platform', `${v.GOOS}/${v.GOARCH}`],
      ]),
    };
  });
  sub('node', 'the orchestrator’s own node info', async (client) => {
    const data = await client.agent.node();
    return { data, text: infoText(data) };
  });
  sub('config', 'the orchestrator’s configuration (secrets masked)', async (client) => {
    const data = await client.agent.config();
    return { data, text: await formatData('yaml', data) };
  });
}
