import { JOB_STATES, type JobStateType } from '@shoal/models';
import { z } from 'zod';
import { optionalEnumParam, selectorsParam, textParam } from '../api/query.js';

/**
 * The dashboard's query parameters and form fields, checked like the API's (same helpers, same
 * messages), so a bad label selector is a 400 naming `labels`. An empty form field means "any":
 * the filter form sends every field, filled or not.
 */

const blankIsAbsent = (raw: unknown) => {
  if (raw === '') return undefined;
  if (Array.isArray(raw)) {
    const kept = raw.filter((v) => v !== '');
    return kept.length === 0 ? undefined : kept.length === 1 ? kept[0] : kept;
  }
  return raw;
};

export const FILTERABLE_STATES = JOB_STATES.filter((s) => s !== 'Undefined') as [
  JobStateType,
  ...JobStateType[],
];

export const JobsPageParams = z.object({
  state: z.preprocess(
    blankIsAbsent,
    optionalEnumParam(FILTERABLE_STATES, 'Only jobs in this state.', { caseInsensitive: true }),
  ),
  namespace: z.preprocess(blankIsAbsent, textParam(255, 'Only jobs of this namespace; none: every one.')),
  labels: z.preprocess(blankIsAbsent, selectorsParam('Label selector, as the API’s `labels`.')),
});
export type JobsPageQuery = z.output<typeof JobsPageParams>;

/** The login form. `next` is only ever followed within the dashboard (session.ts). */
export const LoginForm = z.object({
  token: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(4096),
  next: z.string().max(2048).optional(),
});

/** The filter values as a query string, for the list's polling URL. */
export function jobsQueryString(q: JobsPageQuery): string {
  const params = new URLSearchParams();
  if (q.state) params.set('state', q.state);
  if (q.namespace) params.set('namespace', q.namespace);
  for (const selector of q.labels) params.append('labels', selector);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
