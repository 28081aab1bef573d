-- 0002_continue_as_new: a run may close by continuing as new. Its last event,
-- WorkflowContinuedAsNew, names the run that carries its workflow id on; both
-- commit in the one transaction (see Store's DecisionWrites).
ALTER TABLE {{schema}}.runs DROP CONSTRAINT runs_status_known;
ALTER TABLE {{schema}}.runs ADD CONSTRAINT runs_status_known
  CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'terminated', 'continuedAsNew'));
