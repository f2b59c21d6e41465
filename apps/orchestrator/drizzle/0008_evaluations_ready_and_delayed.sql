-- Claims read the evaluations due at once in claim order, and the delayed ones only up to now
-- (src/store/evaluations.ts): one index over every pending row made each claim walk the delayed
-- rows not yet due, one per queued job.
DROP INDEX "evaluations_pending_idx";--> statement-breakpoint
CREATE INDEX "evaluations_ready_idx" ON "evaluations" USING btree ("priority" DESC NULLS FIRST,"create_time","id") WHERE "evaluations"."status" = 'pending' and "evaluations"."wait_until" = 0;--> statement-breakpoint
CREATE INDEX "evaluations_delayed_idx" ON "evaluations" USING btree ("wait_until") WHERE "evaluations"."status" = 'pending' and "evaluations"."wait_until" > 0;