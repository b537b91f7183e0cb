//! The outbox tables: messages, their attachments (by hash), and one delivery per
//! recipient with its state, attempts and next attempt time. Times are UTC in
//! `YYYY-MM-DDTHH:MM:SSZ`, which sort as text.
//!
//! A copy is taken by [`Store::claim_next`], one UPDATE that marks it `sending` with the
//! sender's claim token and a lease expiry; the outcome is written only where the claim
//! is still the sender's. Two processes never hold one copy, and a copy whose sender
//! died is claimable again once its lease has run out.

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::Store;

/// An attachment as stored: the file lives in the archive under its sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    /// The name the recipient sees (令和2年度_企画部_報告書.pdf).
    pub file_name: String,
    /// Its MIME type (`application/pdf`).
    pub content_type: String,
    /// Its SHA-256, under which the archive keeps it.
    pub sha256: String,
    /// Its size in bytes.
    pub size_bytes: i64,
}

/// A message waiting in the outbox, or already sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The message's row id.
    pub id: i64,
    /// The key it was queued under; the same key is never queued twice.
    pub idempotency_key: String,
    /// The subject, in Japanese.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// Its attachments, in the order they are attached.
    pub attachments: Vec<StoredAttachment>,
}

/// The message of a copy that failed for good, as the failure report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreportedMessage {
    /// The message's subject.
    pub subject: String,
    /// The key it was queued under.
    pub key: String,
}

/// One recipient's copy of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The copy's row id.
    pub id: i64,
    /// The message it is a copy of.
    pub message_id: i64,
    /// The recipient's address.
    pub recipient: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub state: String,
    /// How many sends were tried.
    pub attempts: i64,
    /// When it is next due, a UTC stamp.
    pub next_attempt_at: String,
    /// The last failure, in Japanese; none if none.
    pub last_error: Option<String>,
    /// The claim token of the sender holding the copy, while it is `sending`.
    pub claim_token: Option<String>,
}

/// Delivery stopped because the sender's own setting is wrong (a refused login, a
/// TLS set-up that fails): nothing is counted against the copies meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPause {
    /// The server's answer, in Japanese.
    pub reason: String,
    /// When delivery stopped.
    pub paused_at: String,
    /// The latest pass that tried again and met the same error.
    pub last_probe_at: String,
}

/// A claim on copies: whose it is and until when it holds.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// The sender's claim token.
    pub token: &'a str,
    /// Due copies are those whose next attempt is at or before this time; a lease
    /// before it has expired.
    pub now: &'a str,
    /// Until when the claimed copies are held (a UTC stamp).
    pub lease_until: &'a str,
}

/// A message to put in the outbox.
pub struct NewMessage<'a> {
    /// Same key, same message: a second enqueue is ignored.
    pub key: &'a str,
    /// The subject, in Japanese.
    pub subject: &'a str,
    /// The plain-text body.
    pub body: &'a str,
    /// One copy goes to each address.
    pub recipients: &'a [String],
    /// Attachments already kept in the archive.
    pub attachments: &'a [StoredAttachment],
}

/// A message ready for the outbox: its attachments are already kept in the archive, so
/// that queuing it is only rows in the store, which can then be written in the same
/// transaction as what the message answers.
#[derive(Debug, Clone)]
pub struct Staged {
    /// The idempotency key (see [`NewMessage::key`]).
    pub key: String,
    /// The subject, in Japanese.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// One copy goes to each address.
    pub recipients: Vec<String>,
    /// Attachments already kept in the archive.
    pub attachments: Vec<StoredAttachment>,
}

impl Staged {
    /// The rows to write.
    pub fn as_new(&self) -> NewMessage<'_> {
        NewMessage {
            key: &self.key,
            subject: &self.subject,
            body: &self.body,
            recipients: &self.recipients,
            attachments: &self.attachments,
        }
    }
}

/// How many deliveries are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Copies waiting to be sent or sent again (`pending` and `sending`).
    pub pending: i64,
    /// Copies the server accepted.
    pub sent: i64,
    /// Copies that failed for good.
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
            "SELECT {DELIVERY_COLUMNS}
             FROM deliveries d JOIN messages m ON m.id = d.message_id
             WHERE m.city_code = ?1 AND {condition}"
        );
        let mut statement = self.connection.prepare(&sql)?;
        let read = read_delivery;
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

    /// Claims the first copy after `after_id` that is due, or whose sender's lease
    /// expired, in one statement: the row becomes `sending` with this claim's token
    /// and lease, and counts one attempt. `None` when nothing is left to claim.
    ///
    /// The claimable condition is checked again on the row itself, so on a database
    /// where two such statements can interleave (PostgreSQL), the second finds the row
    /// taken and changes nothing.
    pub fn claim_next(
        &mut self,
        city_code: &str,
        after_id: i64,
        claim: Claim,
    ) -> anyhow::Result<Option<Delivery>> {
        let sql = format!(
            "UPDATE deliveries
             SET state = 'sending', claim_token = ?4, lease_until = ?5, attempts = attempts + 1
             WHERE id = (SELECT d.id FROM deliveries d JOIN messages m ON m.id = d.message_id
                         WHERE m.city_code = ?1 AND d.id > ?2
                           AND ((d.state = 'pending' AND d.next_attempt_at <= ?3)
                                OR (d.state = 'sending' AND (d.lease_until IS NULL OR d.lease_until < ?3)))
                         ORDER BY d.id LIMIT 1)
               AND ((state = 'pending' AND next_attempt_at <= ?3)
                    OR (state = 'sending' AND (lease_until IS NULL OR lease_until < ?3)))
             RETURNING {}",
            DELIVERY_COLUMNS.replace("d.", "")
        );
        let claimed = self
            .connection
            .query_row(
                &sql,
                params![
                    city_code,
                    after_id,
                    claim.now,
                    claim.token,
                    claim.lease_until
                ],
                read_delivery,
            )
            .optional()?;
        Ok(claimed)
    }

    /// The server accepted the copy. `false` when the claim was no longer ours (its
    /// lease ran out and another sender took the copy): nothing is changed then.
    pub fn mark_sent(&mut self, delivery: i64, token: &str, now: &str) -> anyhow::Result<bool> {
        self.finish_claim(
            delivery,
            token,
            "state = 'sent', sent_at = ?3, last_error = NULL",
            now,
        )
    }

    /// A transient failure: try again at `next`. `false` when the claim was lost.
    pub fn mark_retry(
        &mut self,
        delivery: i64,
        token: &str,
        next: &str,
        error: &str,
    ) -> anyhow::Result<bool> {
        let sql = "UPDATE deliveries SET state = 'pending', next_attempt_at = ?3, last_error = ?4,
                          claim_token = NULL, lease_until = NULL
                   WHERE id = ?1 AND claim_token = ?2 AND state = 'sending'";
        let changed = self
            .connection
            .execute(sql, params![delivery, token, next, error])?;
        Ok(changed == 1)
    }

    /// A permanent failure, or too many transient ones: give up on this copy.
    /// `false` when the claim was lost.
    pub fn mark_failed(&mut self, delivery: i64, token: &str, error: &str) -> anyhow::Result<bool> {
        self.finish_claim(delivery, token, "state = 'failed', last_error = ?3", error)
    }

    /// Gives a copy back untried, its attempt not counted: the sender's own setting
    /// failed, not this copy. `false` when the claim was lost.
    pub fn release(&mut self, delivery: i64, token: &str, error: &str) -> anyhow::Result<bool> {
        self.finish_claim(
            delivery,
            token,
            "state = 'pending', attempts = attempts - 1, last_error = ?3",
            error,
        )
    }

    fn finish_claim(
        &mut self,
        delivery: i64,
        token: &str,
        set: &str,
        value: &str,
    ) -> anyhow::Result<bool> {
        let sql = format!(
            "UPDATE deliveries SET {set}, claim_token = NULL, lease_until = NULL
             WHERE id = ?1 AND claim_token = ?2 AND state = 'sending'"
        );
        let changed = self
            .connection
            .execute(&sql, params![delivery, token, value])?;
        Ok(changed == 1)
    }

    /// Copies marked undeliverable go back to the queue, due at `now`, with their
    /// attempts reset (the operator fixed the cause). Returns how many.
    pub fn requeue_failed(&mut self, city_code: &str, now: &str) -> anyhow::Result<usize> {
        Ok(self.connection.execute(
            "UPDATE deliveries
             SET state = 'pending', attempts = 0, next_attempt_at = ?2, reported = 0,
                 claim_token = NULL, lease_until = NULL
             WHERE state = 'failed'
               AND message_id IN (SELECT id FROM messages WHERE city_code = ?1)",
            params![city_code, now],
        )?)
    }

    /// Records that delivery is paused (or still is, as of `now`). `true` when it was
    /// not paused before.
    pub fn pause_delivery(
        &mut self,
        city_code: &str,
        reason: &str,
        now: &str,
    ) -> anyhow::Result<bool> {
        let inserted = self.connection.execute(
            "INSERT INTO delivery_pauses (city_code, reason, paused_at, last_probe_at)
             VALUES (?1, ?2, ?3, ?3) ON CONFLICT (city_code) DO NOTHING",
            params![city_code, reason, now],
        )?;
        if inserted == 0 {
            self.connection.execute(
                "UPDATE delivery_pauses SET reason = ?2, last_probe_at = ?3 WHERE city_code = ?1",
                params![city_code, reason, now],
            )?;
        }
        Ok(inserted == 1)
    }

    /// Ends a pause; `true` when delivery was paused.
    pub fn resume_delivery(&mut self, city_code: &str) -> anyhow::Result<bool> {
        let deleted = self.connection.execute(
            "DELETE FROM delivery_pauses WHERE city_code = ?1",
            [city_code],
        )?;
        Ok(deleted == 1)
    }

    /// The pause in force, if delivery is paused.
    pub fn delivery_pause(&self, city_code: &str) -> anyhow::Result<Option<DeliveryPause>> {
        Ok(self
            .connection
            .query_row(
                "SELECT reason, paused_at, last_probe_at FROM delivery_pauses WHERE city_code = ?1",
                [city_code],
                |r| {
                    Ok(DeliveryPause {
                        reason: r.get(0)?,
                        paused_at: r.get(1)?,
                        last_probe_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Failed copies not yet reported to the managers; marks them reported, in one
    /// transaction, so two processes never both report the same copy.
    pub fn take_unreported_failures(
        &mut self,
        city_code: &str,
    ) -> anyhow::Result<Vec<(Delivery, UnreportedMessage)>> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let failed = {
            let mut statement = tx.prepare(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
                 WHERE m.city_code = ?1 AND d.state = 'failed' AND d.reported = 0 ORDER BY d.id"
            ))?;
            let rows = statement.query_map([city_code], read_delivery)?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        let mut out = Vec::new();
        for delivery in failed {
            let message = tx.query_row(
                "SELECT subject, idempotency_key FROM messages WHERE id = ?1",
                [delivery.message_id],
                |r| {
                    Ok(UnreportedMessage {
                        subject: r.get(0)?,
                        key: r.get(1)?,
                    })
                },
            )?;
            tx.execute(
                "UPDATE deliveries SET reported = 1 WHERE id = ?1",
                [delivery.id],
            )?;
            out.push((delivery, message));
        }
        tx.commit()?;
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

/// The columns [`read_delivery`] reads, in its order.
const DELIVERY_COLUMNS: &str = "d.id, d.message_id, d.recipient, d.state, d.attempts, d.next_attempt_at, d.last_error, d.claim_token";

fn read_delivery(r: &rusqlite::Row) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        message_id: r.get(1)?,
        recipient: r.get(2)?,
        state: r.get(3)?,
        attempts: r.get(4)?,
        next_attempt_at: r.get(5)?,
        last_error: r.get(6)?,
        claim_token: r.get(7)?,
    })
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;

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
