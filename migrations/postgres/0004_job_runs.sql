-- The daemon's ledger of scheduled runs. The primary key makes a scheduled time run
-- at most once, even with several daemons sharing one database.
CREATE TABLE job_runs (
    city_code     TEXT NOT NULL,
    job           TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    outcome       TEXT,
    PRIMARY KEY (city_code, job, scheduled_for)
);
