CREATE TABLE "submission_tokens" (
	"namespace" text NOT NULL,
	"token" text NOT NULL,
	"job_id" text NOT NULL,
	"evaluation_id" text NOT NULL,
	"create_time" bigint NOT NULL,
	CONSTRAINT "submission_tokens_namespace_token_pk" PRIMARY KEY("namespace","token")
);
--> statement-breakpoint
ALTER TABLE "submission_tokens" ADD CONSTRAINT "submission_tokens_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;