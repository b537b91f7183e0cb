-- The outbox: every message is written here before it is sent, then delivered
-- recipient by recipient, so a retry resends only to those that failed and a
-- restart resumes where delivery stopped. Attachments are files in the archive,
-- named by their sha256.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    city_code       TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    UNIQUE (city_code, idempotency_key)
);

CREATE TABLE message_attachments (
    message_id   INTEGER NOT NULL REFERENCES messages (id),
    position     INTEGER NOT NULL,
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    size_bytes   INTEGER NOT NULL,
    PRIMARY KEY (message_id, position)
);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL REFERENCES messages (id),
    recipient       TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT,
    sent_at         TEXT,
    reported        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (message_id, recipient)
);

CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
