-- A claimed run is held by its daemon under a lease it renews while the run goes on.
-- Another daemon (or the same one restarted) takes an unfinished run over only when
-- its lease has run out, so a live run is never resumed twice at once. Runs recorded
-- before this migration have no lease and count as expired.
ALTER TABLE job_runs ADD COLUMN owner TEXT;
ALTER TABLE job_runs ADD COLUMN lease_until TEXT;
