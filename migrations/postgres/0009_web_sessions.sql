-- The department portal's sign-in: one-time links sent by mail, and the sessions they
-- open. Only the SHA-256 of a link's token and of a session's id are kept: whoever
-- reads the store cannot sign in with what it holds. Times are UTC stamps as text.
CREATE TABLE sign_in_links (
    token_sha256 TEXT PRIMARY KEY,
    city_code    TEXT NOT NULL,
    address      TEXT NOT NULL,
    client       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
);
CREATE INDEX sign_in_links_by_address ON sign_in_links (city_code, address, created_at);

CREATE TABLE web_sessions (
    id_sha256  TEXT PRIMARY KEY,
    city_code  TEXT NOT NULL,
    address    TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX web_sessions_by_address ON web_sessions (city_code, address);
