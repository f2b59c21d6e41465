import { taskRequest } from '../capacity.js';
import { type JobRequirements, jobRequirements } from '../filter.js';
import { makeJob, makeTask } from './fixtures.js';

/** What the filters check a job against, as `schedule` derives it. */
export function requirements(job = makeJob()): JobRequirements {
  const task = job.Tasks[0] ?? makeTask();
  const request = taskRequest(task);
  if (!request.ok) throw new Error(request.message);
  return jobRequirements(job, task, request.request);
}
