//! The outbox tables: messages, their attachments (by hash), and one delivery per
//! recipient with its state, attempts and next attempt time. Times are UTC in
//! `YYYY-MM-DDTHH:MM:SSZ`, which sort as text.

use rusqlite::{params, Transaction, TransactionBehavior};

use super::Store;

/// An attachment as stored: the file lives in the archive under its sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: i64,
}

/// A message waiting in the outbox, or already sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: i64,
    pub idempotency_key: String,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<StoredAttachment>,
}

/// The message of a copy that failed for good, as the failure report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreportedMessage {
    pub subject: String,
    pub key: String,
}

/// One recipient's copy of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub message_id: i64,
    pub recipient: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
}

/// A message to put in the outbox.
pub struct NewMessage<'a> {
    /// Same key, same message: a second enqueue is ignored.
    pub key: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub recipients: &'a [String],
    pub attachments: &'a [StoredAttachment],
}

/// How many deliveries are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
}

impl Store {
    /// Writes a message and a delivery per recipient, unless a message with the same
    /// key exists: then nothing is written and `false` is returned.
    pub fn enqueue_message(
        &mut self,
        city_code: &str,
        message: &NewMessage,
        now: &str,
    ) -> anyhow::Result<bool> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let queued = insert_message(&tx, city_code, message, now)?;
        tx.commit()?;
        Ok(queued)
    }

    /// Deliveries due at `now`, oldest first.
    pub fn due_deliveries(&self, city_code: &str, now: &str) -> anyhow::Result<Vec<Delivery>> {
        self.deliveries_where(
            city_code,
            "d.state = 'pending' AND d.next_attempt_at <= ?2 ORDER BY d.id",
            Some(now),
        )
    }

    /// Every delivery in a state (`pending`, `sent`, `failed`).
    pub fn deliveries_in(&self, city_code: &str, state: &str) -> anyhow::Result<Vec<Delivery>> {
        self.deliveries_where(city_code, "d.state = ?2 ORDER BY d.id", Some(state))
    }

    fn deliveries_where(
        &self,
        city_code: &str,
        condition: &str,
        arg: Option<&str>,
    ) -> anyhow::Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT d.id, d.message_id, d.recipient, d.state, d.attempts, d.next_attempt_at, d.last_error
             FROM deliveries d JOIN messages m ON m.id = d.message_id
             WHERE m.city_code = ?1 AND {condition}"
        );
        let mut statement = self.connection.prepare(&sql)?;
        let read = |r: &rusqlite::Row| {
            Ok(Delivery {
                id: r.get(0)?,
                message_id: r.get(1)?,
                recipient: r.get(2)?,
                state: r.get(3)?,
                attempts: r.get(4)?,
                next_attempt_at: r.get(5)?,
                last_error: r.get(6)?,
            })
        };
        let rows = match arg {
            Some(arg) => statement
                .query_map(params![city_code, arg], read)?
                .collect::<Result<Vec<_>, _>>()?,
            None => statement
                .query_map(params![city_code], read)?
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(rows)
    }

    /// A stored message with its attachments.
    pub fn message(&self, id: i64) -> anyhow::Result<StoredMessage> {
        let (idempotency_key, subject, body) = self.connection.query_row(
            "SELECT idempotency_key, subject, body FROM messages WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut statement = self.connection.prepare_cached(
            "SELECT file_name, content_type, sha256, size_bytes FROM message_attachments WHERE message_id = ?1 ORDER BY position",
        )?;
        let attachments = statement
            .query_map([id], |r| {
                Ok(StoredAttachment {
                    file_name: r.get(0)?,
                    content_type: r.get(1)?,
                    sha256: r.get(2)?,
                    size_bytes: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(StoredMessage {
            id,
            idempotency_key,
            subject,
            body,
            attachments,
        })
    }

    /// Records that a copy is being handed to the server right now.
    pub fn mark_sending(&mut self, delivery: i64) -> anyhow::Result<()> {
        let sql = "UPDATE deliveries SET state = 'sending', attempts = attempts + 1 WHERE id = ?1";
        expect_one(delivery, self.connection.execute(sql, params![delivery])?)
    }

    /// The server accepted the copy.
    pub fn mark_sent(&mut self, delivery: i64, now: &str) -> anyhow::Result<()> {
        let sql =
            "UPDATE deliveries SET state = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1";
        expect_one(
            delivery,
            self.connection.execute(sql, params![delivery, now])?,
        )
    }

    /// A transient failure: try again at `next`.
    pub fn mark_retry(&mut self, delivery: i64, next: &str, error: &str) -> anyhow::Result<()> {
        let sql = "UPDATE deliveries SET state = 'pending', next_attempt_at = ?2, last_error = ?3 WHERE id = ?1";
        expect_one(
            delivery,
            self.connection
                .execute(sql, params![delivery, next, error])?,
        )
    }

    /// A permanent failure, or too many transient ones: give up on this copy.
    pub fn mark_failed(&mut self, delivery: i64, error: &str) -> anyhow::Result<()> {
        let sql = "UPDATE deliveries SET state = 'failed', last_error = ?2 WHERE id = ?1";
        expect_one(
            delivery,
            self.connection.execute(sql, params![delivery, error])?,
        )
    }

    /// Copies left in `sending` by a process that stopped mid-send go back to pending.
    /// Each copy carries a fixed Message-ID, so a server or client that sees it twice
    /// can tell (the window is one SMTP transaction).
    pub fn resume_interrupted(&mut self) -> anyhow::Result<usize> {
        Ok(self.connection.execute(
            "UPDATE deliveries SET state = 'pending' WHERE state = 'sending'",
            [],
        )?)
    }

    /// Failed copies not yet reported to the managers; marks them reported.
    pub fn take_unreported_failures(
        &mut self,
        city_code: &str,
    ) -> anyhow::Result<Vec<(Delivery, UnreportedMessage)>> {
        let failed = self.deliveries_where(
            city_code,
            "d.state = 'failed' AND d.reported = 0 ORDER BY d.id",
            None,
        )?;
        let mut out = Vec::new();
        for delivery in failed {
            let message = self.connection.query_row(
                "SELECT subject, idempotency_key FROM messages WHERE id = ?1",
                [delivery.message_id],
                |r| {
                    Ok(UnreportedMessage {
                        subject: r.get(0)?,
                        key: r.get(1)?,
                    })
                },
            )?;
            self.connection.execute(
                "UPDATE deliveries SET reported = 1 WHERE id = ?1",
                [delivery.id],
            )?;
            out.push((delivery, message));
        }
        Ok(out)
    }

    /// Deliveries by state.
    pub fn outbox_counts(&self, city_code: &str) -> anyhow::Result<OutboxCounts> {
        let mut statement = self.connection.prepare(
            "SELECT d.state, COUNT(*) FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.city_code = ?1 GROUP BY d.state",
        )?;
        let mut counts = OutboxCounts::default();
        for row in statement.query_map([city_code], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (state, n) = row?;
            match state.as_str() {
                "sent" => counts.sent += n,
                "failed" => counts.failed += n,
                _ => counts.pending += n,
            }
        }
        Ok(counts)
    }
}

fn expect_one(delivery: i64, changed: usize) -> anyhow::Result<()> {
    anyhow::ensure!(changed == 1, "delivery {delivery} not found");
    Ok(())
}

/// Writes a message and a delivery per recipient inside `tx`, unless a message with the
/// same key exists (then `false`). Two processes queuing the same key at once write it
/// once: the insert gives way to the row already there instead of failing.
pub(super) fn insert_message(
    tx: &Transaction,
    city_code: &str,
    message: &NewMessage,
    now: &str,
) -> rusqlite::Result<bool> {
    let NewMessage {
        key,
        subject,
        body,
        recipients,
        attachments,
    } = message;
    let inserted = tx.execute(
        "INSERT INTO messages (city_code, idempotency_key, subject, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (city_code, idempotency_key) DO NOTHING",
        params![city_code, key, subject, body, now],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    let id = tx.last_insert_rowid();
    for (position, a) in attachments.iter().enumerate() {
        tx.execute(
            "INSERT INTO message_attachments (message_id, position, file_name, content_type, sha256, size_bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, position as i64, a.file_name, a.content_type, a.sha256, a.size_bytes],
        )?;
    }
    for recipient in recipients.iter() {
        tx.execute(
            "INSERT INTO deliveries (message_id, recipient, state, next_attempt_at) VALUES (?1, ?2, 'pending', ?3)",
            params![id, recipient, now],
        )?;
    }
    Ok(true)
}
