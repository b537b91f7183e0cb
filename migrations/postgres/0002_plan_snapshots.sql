-- The plan's reference data as it was used for a fiscal year, so that the year's
-- datasets can be rebuilt the same after data/plan moves on to the next plan.
CREATE TABLE plan_snapshots (
    city_code   TEXT    NOT NULL,
    fiscal_year BIGINT  NOT NULL,
    sha256      TEXT    NOT NULL,
    basic_plan  TEXT    NOT NULL,
    strategy    TEXT    NOT NULL,
    action_plan TEXT    NOT NULL,
    PRIMARY KEY (city_code, fiscal_year)
);
