-- A failed run's reason is kept apart from its outcome: `outcome` holds only the
-- outcome's name (`ok`, `failed`) and `failure` the error with its causes. Runs
-- recorded before wrote `failed: <error>` into `outcome`; they are split here.
ALTER TABLE job_runs ADD COLUMN failure TEXT;

UPDATE job_runs
SET failure = substr(outcome, 9), outcome = 'failed'
WHERE substr(outcome, 1, 8) = 'failed: ';
