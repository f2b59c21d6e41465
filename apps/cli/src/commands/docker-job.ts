import { type Constraint, parseSelector, type Requirement, SelectorSyntaxError } from '@shoal/models';
import { InvalidArgumentError } from 'commander';
import type { InputSourceFlag } from '../inputs/input-flag.js';
import type { PublisherFlag } from '../publisher-flag.js';
import type { ResultPath } from './result-paths.js';

/**
 * The job `shoal docker run` submits, like Bacalhau's: a batch job with one docker task whose
 * Image is IMAGE and whose Parameters are the words after `--` (the container's Cmd; the image's
 * own entrypoint is kept, so `busybox -- echo hi` runs `echo hi`). Only what a flag sets is
 * written; the server applies every default, exactly as it does for a job file.
 */

export interface DockerRunFlags {
  count?: number;
  cpu?: string;
  memory?: string;
  disk?: string;
  gpu?: string;
  env?: Record<string, string>;
  label?: Record<string, string>;
  constraint?: Constraint[];
  timeout?: number;
  network?: string;
  domain?: string[];
  publisher?: PublisherFlag;
  name?: string;
  namespace?: string;
  entrypoint?: string;
  workdir?: string;
  input?: InputSourceFlag[];
  resultPath?: ResultPath[];
}

const OPERATOR: Record<Requirement['op'], Constraint['Operator']> = {
  eq: '=',
  neq: '!=',
  in: 'in',
  notin: 'notin',
  exists: 'exists',
  notexists: '!',
};

/** `--constraint 'zone in (a,b),!gpu'`: a label selector, each requirement one constraint. */
export function parseConstraintFlag(value: string, previous: Constraint[] = []): Constraint[] {
  try {
    const selector = parseSelector(value);
    return [
      ...previous,
      ...selector.requirements.map((r) => ({ Key: r.key, Operator: OPERATOR[r.op], Values: [...r.values] })),
    ];
  } catch (error) {
    if (error instanceof SelectorSyntaxError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

export function buildDockerJob(
  image: string,
  command: readonly string[],
  flags: DockerRunFlags,
): Record<string, unknown> {
  const resources = Object.fromEntries(
    (
      [
        ['CPU', flags.cpu],
        ['Memory', flags.memory],
        ['Disk', flags.disk],
        ['GPU', flags.gpu],
      ] as const
    ).filter(([, v]) => v !== undefined),
  );
  const task: Record<string, unknown> = {
    Name: 'main',
    Engine: {
      Type: 'docker',
      Params: {
        Image: image,
        ...(flags.entrypoint === undefined ? {} : { Entrypoint: [flags.entrypoint] }),
        Parameters: [...command],
        ...(flags.workdir === undefined ? {} : { WorkingDirectory: flags.workdir }),
      },
    },
    ...(flags.publisher === undefined ? {} : { Publisher: flags.publisher }),
    ...(flags.env ? { Env: flags.env } : {}),
    ...(Object.keys(resources).length > 0 ? { Resources: resources } : {}),
    ...(flags.network === undefined && flags.domain === undefined
      ? {}
      : { Network: { Type: flags.network ?? 'None', ...(flags.domain ? { Domains: flags.domain } : {}) } }),
    ...(flags.timeout === undefined ? {} : { Timeouts: { ExecutionTimeout: flags.timeout } }),
    ...(flags.input ? { InputSources: flags.input } : {}),
  };
  if (flags.resultPath && flags.resultPath.length > 0) {
    task.ResultPaths = flags.resultPath;
    // Results need somewhere to go: the node's own results server unless told otherwise.
    task.Publisher ??= { Type: 'local' };
  }
  return {
    ...(flags.name === undefined ? {} : { Name: flags.name }),
    ...(flags.namespace === undefined ? {} : { Namespace: flags.namespace }),
    Type: 'batch',
    Count: flags.count ?? 1,
    ...(flags.label ? { Labels: flags.label } : {}),
    ...(flags.constraint ? { Constraints: flags.constraint } : {}),
    Tasks: [task],
  };
}
