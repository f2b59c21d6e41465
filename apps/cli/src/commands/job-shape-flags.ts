import type { Command } from 'commander';
import { keyValue, nonNegativeInt, positiveInt } from '../arg-parsers.js';
import { parseInputFlag } from '../inputs/input-flag.js';
import { parsePublisherFlag } from '../publisher-flag.js';
import { parseConstraintFlag } from './docker-job.js';

/**
 * The flags every `… run` command that builds a job from flags shares (docker run, wasm run):
 * executions, resources, environment, labels, placement, timeout, inputs, publisher, name and
 * namespace. Each engine's own flags come from its command; `help` words what differs per engine.
 */
export function addJobShapeFlags(
  command: Command,
  help: { env: string; memory: string; input: string },
): Command {
  return command
    .option('--count <n>', 'how many executions (partitions)', positiveInt)
    .option('--cpu <cpu>', 'CPU per execution, e.g. 500m or 2')
    .option('--memory <size>', help.memory)
    .option('--disk <size>', 'disk per execution, e.g. 10Gi')
    .option('-e, --env <K=V>', help.env, keyValue)
    .option('-l, --label <k=v>', 'job label; repeatable', keyValue)
    .option(
      '--constraint <selector>',
      'node label constraint, e.g. "zone=a" or "gpu in (a100,h100)"; repeatable',
      parseConstraintFlag,
    )
    .option('--timeout <seconds>', 'execution timeout in seconds (0: none)', nonNegativeInt)
    .option('-i, --input <source>', help.input, parseInputFlag)
    .option(
      '-p, --publisher <publisher>',
      'where results go: local, noop, or s3://BUCKET/KEY with opt=region=…,opt=endpoint=…,opt=compress=true',
      parsePublisherFlag,
    )
    .option('--name <name>', 'job name (default: its id)')
    .option('--namespace <ns>', 'namespace (default: default)');
}
