-- 0003_start_policies: idempotent starts. A start may carry a request id; a
-- start repeated with the same request id (its reply was lost, the caller
-- retries) finds the run the first one created instead of starting another,
-- even after that run closed.
ALTER TABLE {{schema}}.runs ADD COLUMN start_request_id text;
CREATE UNIQUE INDEX runs_by_start_request ON {{schema}}.runs (workflow_id, start_request_id) WHERE start_request_id IS NOT NULL;
