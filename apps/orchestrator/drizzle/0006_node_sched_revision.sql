-- nodes.sched_revision (src/store/schema.ts): moves only when something placement reads changes,
-- so the scheduler's node catalog can tell which nodes to re-read from a list of (id,
-- sched_revision) instead of reading every node's info for every batch. Heartbeats rewrite
-- ComputeNodeInfo's AvailableCapacity, RunningExecutions and EnqueuedExecutions, last_heartbeat
-- and the revision, none of which placement reads, so they leave it alone; a change of health does not.
ALTER TABLE "nodes" ADD COLUMN "sched_revision" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
CREATE FUNCTION shoal_nodes_sched_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.node_type IS DISTINCT FROM OLD.node_type
    OR NEW.labels IS DISTINCT FROM OLD.labels
    OR NEW.membership IS DISTINCT FROM OLD.membership
    OR NEW.connection IS DISTINCT FROM OLD.connection
    OR NEW.healthy IS DISTINCT FROM OLD.healthy
    OR (NEW.info #- '{ComputeNodeInfo,AvailableCapacity}' #- '{ComputeNodeInfo,RunningExecutions}'
          #- '{ComputeNodeInfo,EnqueuedExecutions}')
       IS DISTINCT FROM
       (OLD.info #- '{ComputeNodeInfo,AvailableCapacity}' #- '{ComputeNodeInfo,RunningExecutions}'
          #- '{ComputeNodeInfo,EnqueuedExecutions}')
  THEN
    NEW.sched_revision := OLD.sched_revision + 1;
  ELSE
    NEW.sched_revision := OLD.sched_revision;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER nodes_sched_revision BEFORE UPDATE ON nodes
  FOR EACH ROW EXECUTE FUNCTION shoal_nodes_sched_revision();
