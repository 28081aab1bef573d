-- 0011_runs_fillfactor: every recorded step updates its run's row (next
-- event id, version, updated time), none of them indexed columns, so the
-- update can be HOT (heap-only: no new entry in any of the runs table's
-- indexes) when the row's page has room for the new version. At the
-- default fillfactor of 100 a freshly filled page has none: measured on the
-- steps benchmark, a third of run updates were not HOT, each adding an entry
-- to every one of the table's indexes. Leaving 30% of each new page free
-- keeps a run's updates on its page. Pages already full are not rewritten.
ALTER TABLE {{schema}}.runs SET (fillfactor = 70);
