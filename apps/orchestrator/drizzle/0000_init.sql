CREATE TABLE "agent_cursors" (
	"node_id" text PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL,
	"modify_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"id" text PRIMARY KEY NOT NULL,
	"namespace" text NOT NULL,
	"job_id" text NOT NULL,
	"triggered_by" text NOT NULL,
	"priority" integer NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"comment" text NOT NULL,
	"wait_until" bigint NOT NULL,
	"lease_owner" text DEFAULT '' NOT NULL,
	"lease_until" bigint DEFAULT 0 NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"create_time" bigint NOT NULL,
	"modify_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "executions" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"namespace" text NOT NULL,
	"eval_id" text NOT NULL,
	"name" text NOT NULL,
	"node_id" text NOT NULL,
	"partition" integer DEFAULT 0 NOT NULL,
	"desired_state" integer NOT NULL,
	"desired_message" text NOT NULL,
	"compute_state" integer NOT NULL,
	"compute_message" text NOT NULL,
	"allocated_resources" jsonb NOT NULL,
	"published_result" jsonb NOT NULL,
	"run_output" jsonb,
	"previous_execution" text NOT NULL,
	"next_execution" text NOT NULL,
	"followup_eval_id" text NOT NULL,
	"revision" integer NOT NULL,
	"create_time" bigint NOT NULL,
	"modify_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_history" (
	"job_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"execution_id" text DEFAULT '' NOT NULL,
	"node_id" text DEFAULT '' NOT NULL,
	"job_state_previous" text,
	"job_state_new" text,
	"execution_state_previous" integer,
	"execution_state_new" integer,
	"new_revision" integer NOT NULL,
	"comment" text NOT NULL,
	"time" bigint NOT NULL,
	CONSTRAINT "job_history_job_id_seq_pk" PRIMARY KEY("job_id","seq")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"namespace" text NOT NULL,
	"type" text NOT NULL,
	"priority" integer NOT NULL,
	"count" integer NOT NULL,
	"state" text NOT NULL,
	"state_message" text NOT NULL,
	"version" integer NOT NULL,
	"revision" integer NOT NULL,
	"labels" jsonb NOT NULL,
	"meta" jsonb NOT NULL,
	"constraints" jsonb NOT NULL,
	"tasks" jsonb NOT NULL,
	"history_seq" integer DEFAULT 0 NOT NULL,
	"create_time" bigint NOT NULL,
	"modify_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" text PRIMARY KEY NOT NULL,
	"node_type" text NOT NULL,
	"labels" jsonb NOT NULL,
	"info" jsonb NOT NULL,
	"membership" text NOT NULL,
	"connection" text NOT NULL,
	"last_heartbeat" bigint NOT NULL,
	"healthy" boolean DEFAULT true NOT NULL,
	"health_reason" text DEFAULT '' NOT NULL,
	"revision" integer NOT NULL,
	"create_time" bigint NOT NULL,
	"modify_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"node_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"message" text NOT NULL,
	"create_time" bigint NOT NULL,
	CONSTRAINT "outbox_node_id_seq_pk" PRIMARY KEY("node_id","seq")
);
--> statement-breakpoint
CREATE TABLE "outbox_heads" (
	"node_id" text PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL,
	"acked_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "executions" ADD CONSTRAINT "executions_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_history" ADD CONSTRAINT "job_history_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evaluations_pending_idx" ON "evaluations" USING btree ("priority" DESC NULLS FIRST,"create_time","id") WHERE "evaluations"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "evaluations_job_idx" ON "evaluations" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "executions_job_modify_idx" ON "executions" USING btree ("job_id","modify_time","id");--> statement-breakpoint
CREATE INDEX "executions_job_create_idx" ON "executions" USING btree ("job_id","create_time","id");--> statement-breakpoint
CREATE INDEX "executions_node_idx" ON "executions" USING btree ("node_id","compute_state");--> statement-breakpoint
CREATE INDEX "executions_id_prefix_idx" ON "executions" USING btree ("id" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "job_history_execution_idx" ON "job_history" USING btree ("job_id","execution_id","seq");--> statement-breakpoint
CREATE INDEX "jobs_namespace_create_idx" ON "jobs" USING btree ("namespace","create_time","id");--> statement-breakpoint
CREATE INDEX "jobs_create_idx" ON "jobs" USING btree ("create_time","id");--> statement-breakpoint
CREATE INDEX "jobs_id_prefix_idx" ON "jobs" USING btree ("id" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "jobs_labels_idx" ON "jobs" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "jobs_state_idx" ON "jobs" USING btree ("state");--> statement-breakpoint
CREATE INDEX "nodes_labels_idx" ON "nodes" USING gin ("labels");--> statement-breakpoint
CREATE INDEX "nodes_id_prefix_idx" ON "nodes" USING btree ("id" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "outbox_create_idx" ON "outbox" USING btree ("create_time");