import type { Constraint } from '../constraints.js';
import { decodeAs, unknownFieldWarning } from '../decode/go-decode.js';
import { JOB_SHAPE } from '../decode/shapes.js';
import {
  ENGINE_TYPES,
  JobStateType,
  NETWORK_TYPES,
  NetworkType,
  PUBLISHER_TYPES,
  STORAGE_SOURCE_TYPES,
  type StorageSourceType,
} from '../enums.js';
import type { FieldProblem } from '../errors.js';
import { DEFAULT_CPU, DEFAULT_MEMORY } from '../resources.js';
import { INPUT_SOURCE_PARAMS } from '../schemas/input-sources.js';
import type { Job } from '../schemas/job.js';
import type { Task } from '../schemas/task.js';
import type { Nanos } from '../time.js';
import { defaultTimeouts, perNodeCountWarning, reserveBacalhauMeta } from './bacalhau-defaults.js';
import { ENGINE_PARAMS } from './engines.js';
import { FieldParser } from './field-parser.js';
import { normalisePath } from './fields.js';
import type { TaskInput } from './job-input.js';
import { JOB_FIELDS, JobShapeSchema, TASK_FIELDS, TaskShapeSchema } from './job-input.js';
import {
  checkJobType,
  checkLabels,
  checkMeta,
  ignoredFieldWarnings,
  normaliseCount,
  parseConstraints,
} from './job-rules.js';
import type { SubmissionPolicy } from './policy.js';
import * as rules from './task-rules.js';

export interface PrepareJobOptions {
  /** The id the new job gets (server-made; a client's ID is ignored). */
  id: string;
  now: Nanos;
  policy?: SubmissionPolicy;
  /** Where the job sits in the request, for field paths. Default `['Job']`. */
  root?: ReadonlyArray<PropertyKey>;
  /** The accepting orchestrator's node id, written as `bacalhau.org/requester.id`. */
  requesterId?: string;
}

export type PrepareJobResult =
  | { ok: true; job: Job; warnings: string[] }
  | { ok: false; problems: FieldProblem[]; warnings: string[] };

/**
 * Checks a submitted job, reporting every problem with its field path, and returns it normalised
 * with defaults applied, in state Pending at revision 1. Keys that name no field are warnings.
 */
export function prepareJobSubmission(input: unknown, options: PrepareJobOptions): PrepareJobResult {
  const p = new FieldParser();
  const root = options.root ?? ['Job'];
  const policy = options.policy ?? {};
  // Read as Go reads it first: keys in any case, unknown ones dropped (and reported), null absent.
  const decoded = decodeAs(JOB_SHAPE, input, root);
  const raw = p.parse(JobShapeSchema, decoded.value, root);
  const warnings = decoded.unknown.map(unknownFieldWarning);
  if (!raw) return { ok: false, problems: p.problems, warnings };
  warnings.push(...ignoredFieldWarnings(raw));

  const { values: job } = p.parseFields(JOB_FIELDS, raw, root);
  const type = checkJobType(job.Type, root, p);
  const count = type === undefined ? 0 : normaliseCount(type, job.Count, root, p);
  if (job.Labels) checkLabels(job.Labels, root, p);
  if (job.Meta) checkMeta(job.Meta, root, p);
  const constraints = parseConstraints(job.Constraints ?? [], root, p);
  const tasks = (job.Tasks ?? []).map((t, i) => prepareTask(t, [...root, 'Tasks', i], policy, p));

  if (p.problems.length > 0 || type === undefined) return { ok: false, problems: p.problems, warnings };
  const countWarning = perNodeCountWarning(type, job.Count);
  if (countWarning) warnings.push(countWarning);
  const meta = reserveBacalhauMeta(job.Meta ?? {}, options.requesterId);
  warnings.push(...meta.warnings);
  return {
    ok: true,
    warnings,
    job: {
      ID: options.id,
      Name: job.Name || options.id,
      Namespace: job.Namespace || 'default',
      Type: type,
      Priority: job.Priority ?? 0,
      Count: count,
      Constraints: constraints.map((c: Constraint) => ({
        Key: c.Key,
        Operator: c.Operator,
        Values: c.Values,
      })),
      Meta: meta.meta,
      Labels: job.Labels ?? {},
      Tasks: tasks
        .filter((t): t is Task => t !== undefined)
        .map((t) => ({ ...t, Timeouts: defaultTimeouts(type, t.Timeouts as Required<Task['Timeouts']>) })),
      State: { StateType: JobStateType.Pending, Message: '' },
      Version: 0,
      Revision: 1,
      CreateTime: options.now,
      ModifyTime: options.now,
    },
  };
}

function prepareTask(
  input: unknown,
  at: PropertyKey[],
  policy: SubmissionPolicy,
  p: FieldParser,
): Task | undefined {
  const raw = p.parse(TaskShapeSchema, input, at);
  if (!raw) return undefined;
  const before = p.problems.length;
  const { values: t } = p.parseFields(TASK_FIELDS, raw, at);
  const parsed = (key: keyof TaskInput) => key in t;
  if (t.Engine) rules.checkEngine(t.Engine, at, policy, p.report);
  if (parsed('Publisher') && t.ResultPaths)
    rules.checkPublisher(t.Publisher, t.ResultPaths.length, at, p.report);
  if (t.Env) rules.checkEnv(t.Env, t.Engine, at, p.report);
  if (t.Meta) checkMeta(t.Meta, at, p, false);
  if (parsed('Resources')) rules.checkResources(t.Resources, at, p.report);
  if (parsed('Network')) rules.checkNetwork(t.Network, at, p.report);
  if (parsed('Timeouts')) rules.checkTimeouts(t.Timeouts, at, p.report);
  if (t.InputSources && t.ResultPaths) rules.checkPaths(t.InputSources, t.ResultPaths, at, policy, p.report);
  return p.problems.length === before ? normaliseTask(t as TaskInput) : undefined;
}

const sourceType = (type: string | undefined): StorageSourceType =>
  rules.canonical(type ?? '', STORAGE_SOURCE_TYPES) ?? 'localDirectory';

/** Runs only on a task that passed every check, so lookups below cannot miss. */
function normaliseTask(t: TaskInput): Task {
  const engine = rules.canonical(t.Engine.Type ?? '', ENGINE_TYPES) ?? 'docker';
  const publisher = rules.canonical(t.Publisher?.Type ?? '', PUBLISHER_TYPES) ?? '';
  const network = rules.canonical(t.Network?.Type || NetworkType.None, NETWORK_TYPES) ?? NetworkType.None;
  const r = t.Resources ?? {};
  return {
    Name: t.Name,
    Engine: {
      Type: engine,
      Params: ENGINE_PARAMS[engine].parse(t.Engine.Params ?? {}) as Record<string, unknown>,
    },
    Publisher: { Type: publisher, Params: t.Publisher?.Params ?? {} },
    Env: t.Env,
    Meta: t.Meta,
    InputSources: t.InputSources.map((i) => ({
      Source: {
        Type: sourceType(i.Source.Type),
        Params: INPUT_SOURCE_PARAMS[sourceType(i.Source.Type)].parse(i.Source.Params ?? {}),
      },
      Alias: i.Alias ?? '',
      Target: normalisePath(i.Target),
    })),
    ResultPaths: t.ResultPaths.map((rp) => ({ Name: rp.Name, Path: normalisePath(rp.Path) })),
    Resources: {
      CPU: r.CPU || DEFAULT_CPU,
      Memory: r.Memory || DEFAULT_MEMORY,
      Disk: r.Disk ?? '',
      GPU: r.GPU ?? '',
    },
    Network:
      network === NetworkType.HTTP ? { Type: network, Domains: t.Network?.Domains ?? [] } : { Type: network },
    Timeouts: {
      ExecutionTimeout: t.Timeouts?.ExecutionTimeout ?? 0,
      QueueTimeout: t.Timeouts?.QueueTimeout ?? 0,
      TotalTimeout: t.Timeouts?.TotalTimeout ?? 0,
    },
  };
}
