-- Evaluations, history and label rows keep their job_id without a foreign key: they are written only
-- by transactions that hold the job's row lock, and jobs are never deleted. The key's check, one per
-- row inserted (about 20 per job), locked the job row each time and cost Postgres 1.3 ms per queued job.
ALTER TABLE "evaluations" DROP CONSTRAINT "evaluations_job_id_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "job_history" DROP CONSTRAINT "job_history_job_id_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "job_labels" DROP CONSTRAINT "job_labels_job_id_jobs_id_fk";
