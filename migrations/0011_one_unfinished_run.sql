-- At most one unfinished run per job and city, held by the database itself: a
-- 「今すぐ実行」 on two replicas at once, or beside a scheduled time, inserts one
-- unfinished row and the other insert is ignored (`claim_run`'s ON CONFLICT DO
-- NOTHING covers this index too, it names no conflict target).
--
-- A ledger written before may hold several unfinished rows of one job (two daemons
-- racing on different seconds): every one but the latest is closed as failed, with
-- the reason, so that the index can be made.
UPDATE job_runs
SET finished_at = started_at,
    outcome = 'failed',
    failure = '同じジョブの未完了の実行が重複していたため、移行 0011 で閉じました'
WHERE finished_at IS NULL
  AND EXISTS (
      SELECT 1 FROM job_runs AS later
      WHERE later.city_code = job_runs.city_code
        AND later.job = job_runs.job
        AND later.finished_at IS NULL
        AND later.scheduled_for > job_runs.scheduled_for
  );

CREATE UNIQUE INDEX job_runs_one_unfinished
    ON job_runs (city_code, job) WHERE finished_at IS NULL;
