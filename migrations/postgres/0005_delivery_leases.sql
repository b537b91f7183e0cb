-- Deliveries are claimed, not selected: a sender takes a copy with one UPDATE that
-- sets its own claim token and a lease expiry, and records the outcome only while
-- the claim is still its own. A copy left `sending` with an expired lease (its sender
-- died) is claimable again by whoever delivers next.
ALTER TABLE deliveries ADD COLUMN claim_token TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;

-- Delivery paused because the sender's own setting is wrong (a refused login, a TLS
-- set-up that fails): one row per city while paused, cleared when mail goes out again.
CREATE TABLE delivery_pauses (
    city_code     TEXT PRIMARY KEY,
    reason        TEXT NOT NULL,
    paused_at     TEXT NOT NULL,
    last_probe_at TEXT NOT NULL
);
