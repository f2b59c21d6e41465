import type { RunOutput, SpecConfig, Task } from '@shoal/models';
import { describeSource } from '../storage/staging.js';

/**
 * What happens to a completed run's results. The agent publishes after the engine finished and
 * before it reports: the RunResult carries where the results went (`PublishedResult`). A publisher
 * that throws fails the execution, with the reason in its history.
 */

export interface PublishRequest {
  executionId: string;
  jobId: string;
  task: Task;
  runOutput: RunOutput;
}

export interface Publisher {
  /** The `Task.Publisher.Type` it serves (`noop`, `local`). */
  readonly type: string;
  /**
   * At bid time, without I/O: why this node will not publish where the task asks (an S3 endpoint
   * its operator does not allow, say), or undefined. The reason lands in the job's history.
   */
  refuse?(publisher: SpecConfig): string | undefined;
  publish(request: PublishRequest): Promise<SpecConfig>;
}

/** What a run that published nothing reports: an empty SpecConfig, for which `/results` lists no entry. */
export const NOTHING_PUBLISHED: SpecConfig = { Type: '', Params: null };

/** The `noop` publisher, also used for tasks that name none. */
export const noopPublisher: Publisher = {
  type: 'noop',
  publish: async () => NOTHING_PUBLISHED,
};

/** The publisher for a task: its own type, `noop` when it names none. Undefined when not installed. */
export function publisherFor(
  publishers: ReadonlyMap<string, Publisher>,
  task: Pick<Task, 'Publisher'>,
): Publisher | undefined {
  const type = task.Publisher.Type === '' ? 'noop' : task.Publisher.Type;
  return publishers.get(type);
}

/**
 * Where a task's results are uploaded to, as a progress message says it (`s3 s3://bucket/prefix`,
 * as an input is named); undefined when they stay on this node (`local`, which archives them here)
 * or go nowhere. An upload can take longer than the task itself, so it is announced and made
 * restart-safe (runs.ts).
 */
export function uploadDestination(publisher: SpecConfig): string | undefined {
  return publisher.Type === 's3' ? describeSource(publisher) : undefined;
}
