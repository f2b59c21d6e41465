import { readFileSync } from 'node:fs';
import { decodeJson } from '../codec.js';

/** The v1 jobs API's example documents, read as text so their int64 times keep every digit. */
export const FIXTURES = [
  'create-job-request',
  'create-job-response',
  'describe-job',
  'stop-job-response',
  'job-history',
  'job-executions',
  'job-results',
] as const;
export type FixtureName = (typeof FIXTURES)[number];

export function fixtureText(name: FixtureName): string {
  return readFileSync(new URL(`./${name}.json`, import.meta.url), 'utf8');
}

export function fixture(name: FixtureName): unknown {
  return decodeJson(fixtureText(name));
}
