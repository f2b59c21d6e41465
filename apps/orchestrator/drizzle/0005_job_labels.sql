-- job_labels (src/store/schema.ts): each job's labels as rows, under the job's namespace and
-- under `*`, indexed in the orders the job list offers, so a page filtered by a label is one index
-- range however many jobs are stored. The trigger writes them in the statement that inserts the
-- job (a job's labels never change after), and the last statement fills them in for the jobs
-- already stored. jobs_namespace_id_idx does the same for a namespace listed by id.
CREATE TABLE "job_labels" (
	"job_id" text NOT NULL,
	"namespace" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"create_time" bigint NOT NULL,
	CONSTRAINT "job_labels_job_id_namespace_key_pk" PRIMARY KEY("job_id","namespace","key")
);
--> statement-breakpoint
ALTER TABLE "job_labels" ADD CONSTRAINT "job_labels_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_labels_create_idx" ON "job_labels" USING btree ("key","value","namespace","create_time","job_id");--> statement-breakpoint
CREATE INDEX "job_labels_id_idx" ON "job_labels" USING btree ("key","value","namespace","job_id");--> statement-breakpoint
CREATE INDEX "jobs_namespace_id_idx" ON "jobs" USING btree ("namespace","id");--> statement-breakpoint
CREATE FUNCTION shoal_job_labels_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- DO NOTHING: a job whose namespace is literally `*` has one row per label, not two.
  INSERT INTO job_labels (job_id, namespace, key, value, create_time)
    SELECT NEW.id, n.namespace, l.key, l.value, NEW.create_time
    FROM jsonb_each_text(NEW.labels) AS l, (VALUES (NEW.namespace), ('*')) AS n(namespace)
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER jobs_labels_insert AFTER INSERT ON jobs
  FOR EACH ROW EXECUTE FUNCTION shoal_job_labels_insert();
--> statement-breakpoint
INSERT INTO job_labels (job_id, namespace, key, value, create_time)
  SELECT j.id, n.namespace, l.key, l.value, j.create_time
  FROM jobs AS j, jsonb_each_text(j.labels) AS l, LATERAL (VALUES (j.namespace), ('*')) AS n(namespace)
  ON CONFLICT DO NOTHING;
