-- The commit guard (src/store/commit-guard.ts). A transaction the API runs first sets
-- shoal.commit_deadline (set_config(..., true): it ends with the transaction) to an instant on
-- this server's clock that comes before the API answers 503. These deferred triggers check it at
-- COMMIT, so a server that stalled and resumes after the deadline rolls the transaction back
-- instead of committing a write whose client was told it failed. Transactions that set no
-- deadline (the workers', the node manager's) are not touched: the WHEN clause is evaluated as
-- each row is written, so no check is even queued for them.
CREATE FUNCTION shoal_commit_deadline_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF clock_timestamp() > current_setting('shoal.commit_deadline')::timestamptz THEN
    RAISE EXCEPTION USING
      ERRCODE = 'query_canceled',
      MESSAGE = 'commit deadline passed',
      DETAIL = format('deadline %s, now %s: the client was told the store did not answer in time',
                      current_setting('shoal.commit_deadline'), clock_timestamp());
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER jobs_commit_deadline AFTER INSERT ON jobs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (current_setting('shoal.commit_deadline', true) <> '')
  EXECUTE FUNCTION shoal_commit_deadline_check();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER evaluations_commit_deadline AFTER INSERT ON evaluations
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (current_setting('shoal.commit_deadline', true) <> '')
  EXECUTE FUNCTION shoal_commit_deadline_check();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER nodes_commit_deadline AFTER INSERT OR UPDATE OR DELETE ON nodes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (current_setting('shoal.commit_deadline', true) <> '')
  EXECUTE FUNCTION shoal_commit_deadline_check();
