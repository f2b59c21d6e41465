/**
 * Where the s3 publisher writes, from the job's Key as Bacalhau reads it: a compressed result is
 * one object whose key ends in `.tar.gz` (added when missing), an uncompressed one is a prefix
 * ending in `/` (added when missing). The key may hold placeholders, replaced per execution:
 *
 *   {jobID}  {executionID}  {nodeID}  {date} (UTC, 20240131)  {time} (UTC, 153000)
 */

export interface KeyContext {
  jobId: string;
  executionId: string;
  nodeId: string;
  /** When the results are published. */
  now: Date;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function publishedKey(template: string, context: KeyContext, archive: boolean): string {
  let key = template;
  if (archive && !key.endsWith('.tar.gz')) key = `${key}.tar.gz`;
  if (!archive && !key.endsWith('/')) key = `${key}/`;
  const { now } = context;
  const values: Record<string, string> = {
    '{jobID}': context.jobId,
    '{executionID}': context.executionId,
    '{nodeID}': context.nodeId,
    '{date}': `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`,
    '{time}': `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`,
  };
  return key.replace(/\{(jobID|executionID|nodeID|date|time)\}/g, (placeholder) => values[placeholder] ?? '');
}
