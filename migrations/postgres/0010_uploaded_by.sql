-- (PostgreSQL's dialect of migrations/0010: the same statements.)
-- Who uploaded a submission through the web portal (the signed-in address); NULL for a
-- file taken from the inbox. Written in the transaction that records the submission.
ALTER TABLE submissions ADD COLUMN uploaded_by TEXT;

-- A department's history (its every version, newest first) is read by city and department.
CREATE INDEX submissions_history ON submissions (city_code, department, id);
