-- 0008_fairness: a run may carry a fairness key (a tenant, a customer...);
-- its workflow and activity tasks carry it too, and a worker with fairness
-- on claims round-robin across the keys with work waiting, so one key's
-- backlog does not starve the others on a shared queue (see Worker.fairness).
-- Unkeyed runs and tasks have the empty key and pay nothing: the index that
-- finds keys holds keyed tasks only.
ALTER TABLE {{schema}}.runs ADD COLUMN fairness_key text NOT NULL DEFAULT '';
ALTER TABLE {{schema}}.tasks ADD COLUMN fairness_key text NOT NULL DEFAULT '';
-- Keyed tasks by key, oldest first within a key: the fair claim's skip scan over keys and its per-key heads.
CREATE INDEX tasks_claim_fair ON {{schema}}.tasks (kind, queue, fairness_key, visible_at_ms) WHERE fairness_key <> '';
