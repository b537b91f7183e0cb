-- Whether a fiscal year's collection (受付) is open: the planning division closes a year
-- when its submissions are in, and may open it again. No row is an open year, so the
-- cities that never closed one are unchanged. Who changed it and when, for the page.
CREATE TABLE collections (
    city_code   TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    changed_at  TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    PRIMARY KEY (city_code, fiscal_year)
);
