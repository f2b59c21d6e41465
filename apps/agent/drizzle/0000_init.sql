CREATE TABLE `executions` (
	`id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`partition` integer NOT NULL,
	`job` text NOT NULL,
	`wait_for_approval` integer NOT NULL,
	`local_state` integer NOT NULL,
	`desired_state` integer NOT NULL,
	`message` text DEFAULT '' NOT NULL,
	`reserved` text,
	`run_output` text,
	`revision` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `executions_local_state` ON `executions` (`local_state`);--> statement-breakpoint
CREATE TABLE `inbound_seq` (
	`peer` text PRIMARY KEY NOT NULL,
	`last_applied` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY NOT NULL,
	`message_id` text NOT NULL,
	`type` text NOT NULL,
	`execution_id` text,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_seq` integer NOT NULL,
	`last_acked` integer NOT NULL,
	CONSTRAINT "outbox_state_singleton" CHECK("outbox_state"."id" = 1)
);
