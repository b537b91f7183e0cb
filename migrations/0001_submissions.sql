-- Submissions and everything they carry.
-- Every row keys on city_code (directly or through its submission) so that several
-- cities can share one database later. Types are kept to those SQLite and PostgreSQL
-- both accept.

CREATE TABLE submissions (
    id            INTEGER PRIMARY KEY,
    city_code     TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    file_name     TEXT    NOT NULL,
    archived_path TEXT    NOT NULL,
    department    TEXT,
    fiscal_year   INTEGER,
    status        TEXT    NOT NULL CHECK (status IN ('accepted', 'rejected')),
    received_at   TEXT    NOT NULL,
    submitter     TEXT    NOT NULL DEFAULT '',
    contact       TEXT    NOT NULL DEFAULT '',
    UNIQUE (city_code, sha256)
);

CREATE INDEX submissions_by_department ON submissions (city_code, fiscal_year, department);

CREATE TABLE findings (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    position      INTEGER NOT NULL,
    severity      TEXT    NOT NULL CHECK (severity IN ('error', 'warning')),
    sheet         TEXT,
    cell          TEXT,
    message       TEXT    NOT NULL,
    PRIMARY KEY (submission_id, position)
);

-- 部の運営方針: one row per accepted submission.
CREATE TABLE department_profiles (
    submission_id    INTEGER PRIMARY KEY REFERENCES submissions (id),
    sections         TEXT NOT NULL,
    staff_count      TEXT NOT NULL,
    budget           TEXT NOT NULL,
    operating_policy TEXT NOT NULL,
    covid_response   TEXT NOT NULL
);

CREATE TABLE priority_projects (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    position      INTEGER NOT NULL,
    sheet_row     INTEGER NOT NULL,
    number        TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    section       TEXT    NOT NULL,
    indicator     TEXT    NOT NULL,
    target        TEXT    NOT NULL,
    previous      TEXT    NOT NULL,
    PRIMARY KEY (submission_id, position)
);

CREATE TABLE indicators (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    position      INTEGER NOT NULL,
    sheet_row     INTEGER NOT NULL,
    indicator_ref TEXT    NOT NULL,
    policy_code   TEXT    NOT NULL,
    policy_name   TEXT    NOT NULL,
    section       TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    unit          TEXT    NOT NULL,
    observed_at   TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    note          TEXT    NOT NULL,
    UNIQUE (submission_id, position)
);

-- One cell of an indicator table: the printed text and the number read from it.
CREATE TABLE observations (
    indicator_id INTEGER          NOT NULL REFERENCES indicators (id),
    period       TEXT             NOT NULL,
    cell         TEXT             NOT NULL,
    printed      TEXT             NOT NULL,
    value        DOUBLE PRECISION,
    PRIMARY KEY (indicator_id, period)
);

CREATE TABLE policy_progress (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    position      INTEGER NOT NULL,
    sheet_row     INTEGER NOT NULL,
    policy_code   TEXT    NOT NULL,
    policy_name   TEXT    NOT NULL,
    text          TEXT    NOT NULL,
    PRIMARY KEY (submission_id, position)
);

CREATE TABLE action_item_reports (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    position      INTEGER NOT NULL,
    sheet_row     INTEGER NOT NULL,
    item_id       TEXT    NOT NULL,
    major         INTEGER NOT NULL,
    title         TEXT    NOT NULL,
    departments   TEXT    NOT NULL,
    overview      TEXT    NOT NULL,
    progress      TEXT    NOT NULL,
    PRIMARY KEY (submission_id, position)
);

CREATE TABLE kpi_values (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    position      INTEGER NOT NULL,
    sheet_row     INTEGER NOT NULL,
    kpi_id        TEXT    NOT NULL,
    goal          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    earlier       TEXT    NOT NULL,
    baseline      TEXT    NOT NULL,
    actual        TEXT    NOT NULL,
    target        TEXT    NOT NULL,
    note          TEXT    NOT NULL,
    PRIMARY KEY (submission_id, position)
);
