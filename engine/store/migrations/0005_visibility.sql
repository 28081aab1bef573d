-- 0005_visibility: list and count runs by type, status, time and search
-- attributes, newest first, paginated by run id. Run ids are UUIDv7 — their
-- first 48 bits are the creating clock's milliseconds — so a time range is a
-- run id range and needs no index of its own: the primary key serves
-- time-only listings, and these two serve type and status within time.
-- Indexed attributes: the start option, merged by ctx.upsertSearchAttributes.
ALTER TABLE {{schema}}.runs ADD COLUMN search_attributes jsonb;
CREATE INDEX runs_by_type ON {{schema}}.runs (workflow_type, run_id DESC);
CREATE INDEX runs_by_status_type ON {{schema}}.runs (status, workflow_type, run_id DESC);
-- Containment (search_attributes @> '{"customer":"c-7"}'); runs without attributes cost nothing.
CREATE INDEX runs_by_search_attributes ON {{schema}}.runs USING gin (search_attributes jsonb_path_ops) WHERE search_attributes IS NOT NULL;
