-- The job list by modify time (order_by=modify_time, src/store/jobs.ts): a page is one range of
-- these indexes, in one namespace or in all of them, instead of a sort of every job.
CREATE INDEX "jobs_namespace_modify_idx" ON "jobs" USING btree ("namespace","modify_time","id");--> statement-breakpoint
CREATE INDEX "jobs_modify_idx" ON "jobs" USING btree ("modify_time","id");
