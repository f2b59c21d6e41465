-- executions.run_start_time (src/store/schema.ts): when the run started, so the server-side timeout
-- counts from there; null while a running execution waits on its node for room. Executions already
-- running (compute state BidAccepted, 5) started, as far as anyone knew, when they were created.
ALTER TABLE "executions" ADD COLUMN "run_start_time" bigint;
--> statement-breakpoint
UPDATE "executions" SET "run_start_time" = "create_time" WHERE "compute_state" = 5;
