-- 0004_child_workflows: a run may be a child of another. The parent's
-- decision to start it and the child's run commit in one transaction; the
-- child's close is delivered to the parent, and the parent's close to its
-- running children (by parent_close_policy), as timer-kind tasks (see Store).
-- A continue-as-new chain keeps its parent columns.
ALTER TABLE {{schema}}.runs
  ADD COLUMN parent_run_id uuid,
  ADD COLUMN parent_workflow_id text,
  ADD COLUMN parent_seq integer,
  ADD COLUMN parent_close_policy text,
  ADD COLUMN has_children boolean NOT NULL DEFAULT false,    -- set when the run starts a child: its close then applies the children's policies
  ADD CONSTRAINT runs_parent_close_policy_known CHECK (parent_close_policy IN ('terminate', 'requestCancel', 'abandon'));
-- A closing parent's running children (parent close policy, describe).
CREATE INDEX runs_running_children ON {{schema}}.runs (parent_run_id) WHERE parent_run_id IS NOT NULL AND status = 'running';
