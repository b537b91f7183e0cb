-- Submissions and the indicators they carry.
-- Every table keys on city_code so that several cities can share one database later.
-- Types are kept to those SQLite and PostgreSQL both accept.

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

CREATE TABLE indicators (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    position      INTEGER NOT NULL,
    sheet         TEXT    NOT NULL,
    sheet_row     INTEGER NOT NULL,
    policy_code   TEXT    NOT NULL,
    policy_name   TEXT    NOT NULL,
    section       TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    unit          TEXT    NOT NULL,
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
