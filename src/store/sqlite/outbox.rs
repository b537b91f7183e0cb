//! The outbox on SQLite: messages, attachments, one delivery per recipient, claims.

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::SqliteStore;
use crate::store::{
    Claim, Delivery, DeliveryPause, DeliveryState, NewMessage, Outbox, OutboxCounts, OutboxEntry,
    StoredAttachment, StoredMessage, UnreportedMessage,
};

impl Outbox for SqliteStore {
    /// Writes a message and a delivery per recipient, unless a message with the same
    /// key exists: then nothing is written and `false` is returned.
    fn enqueue_message(
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

    fn has_message(&self, city_code: &str, key: &str) -> anyhow::Result<bool> {
        Ok(self.connection.query_row(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE city_code = ?1 AND idempotency_key = ?2)",
            params![city_code, key],
            |row| row.get(0),
        )?)
    }

    fn deliveries_in(
        &self,
        city_code: &str,
        state: DeliveryState,
    ) -> anyhow::Result<Vec<Delivery>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
             WHERE m.city_code = ?1 AND d.state = ?2 ORDER BY d.id"
        ))?;
        let rows = statement.query_map(params![city_code, state], read_delivery)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A stored message with its attachments.
    fn message(&self, id: i64) -> anyhow::Result<StoredMessage> {
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
    fn claim_next(
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
    fn mark_sent(&mut self, delivery: i64, token: &str, now: &str) -> anyhow::Result<bool> {
        self.finish_claim(
            delivery,
            token,
            "state = 'sent', sent_at = ?3, last_error = NULL",
            now,
        )
    }

    /// A transient failure: try again at `next`. `false` when the claim was lost.
    fn mark_retry(
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
    fn mark_failed(&mut self, delivery: i64, token: &str, error: &str) -> anyhow::Result<bool> {
        self.finish_claim(delivery, token, "state = 'failed', last_error = ?3", error)
    }

    /// Gives a copy back untried, its attempt not counted: the sender's own setting
    /// failed, not this copy. `false` when the claim was lost.
    fn release(&mut self, delivery: i64, token: &str, error: &str) -> anyhow::Result<bool> {
        self.finish_claim(
            delivery,
            token,
            "state = 'pending', attempts = attempts - 1, last_error = ?3",
            error,
        )
    }

    /// Copies marked undeliverable go back to the queue, due at `now`, with their
    /// attempts reset (the operator fixed the cause). Returns how many.
    fn requeue_failed(&mut self, city_code: &str, now: &str) -> anyhow::Result<usize> {
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
    fn pause_delivery(&mut self, city_code: &str, reason: &str, now: &str) -> anyhow::Result<bool> {
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
    fn resume_delivery(&mut self, city_code: &str) -> anyhow::Result<bool> {
        let deleted = self.connection.execute(
            "DELETE FROM delivery_pauses WHERE city_code = ?1",
            [city_code],
        )?;
        Ok(deleted == 1)
    }

    /// The pause in force, if delivery is paused.
    fn delivery_pause(&self, city_code: &str) -> anyhow::Result<Option<DeliveryPause>> {
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
    fn take_unreported_failures(
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
    fn outbox_counts(&self, city_code: &str) -> anyhow::Result<OutboxCounts> {
        let mut statement = self.connection.prepare(
            "SELECT d.state, COUNT(*) FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.city_code = ?1 GROUP BY d.state",
        )?;
        let mut counts = OutboxCounts::default();
        for row in statement.query_map([city_code], |r| {
            Ok((r.get::<_, DeliveryState>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (state, n) = row?;
            match state {
                DeliveryState::Sent => counts.sent += n,
                DeliveryState::Failed => counts.failed += n,
                // A copy being sent is still waiting, as far as the operator goes.
                DeliveryState::Pending | DeliveryState::Sending => counts.pending += n,
            }
        }
        Ok(counts)
    }

    fn outbox_entries(
        &self,
        city_code: &str,
        state: DeliveryState,
        limit: i64,
    ) -> anyhow::Result<Vec<OutboxEntry>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {ENTRY_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
             WHERE m.city_code = ?1 AND d.state = ?2 ORDER BY d.id DESC LIMIT ?3"
        ))?;
        let rows = statement.query_map(params![city_code, state, limit], read_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn outbox_entry(&self, city_code: &str, delivery: i64) -> anyhow::Result<Option<OutboxEntry>> {
        Ok(self
            .connection
            .query_row(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
                     WHERE m.city_code = ?1 AND d.id = ?2"
                ),
                params![city_code, delivery],
                read_entry,
            )
            .optional()?)
    }

    fn requeue_one(&mut self, city_code: &str, delivery: i64, now: &str) -> anyhow::Result<bool> {
        let changed = self.connection.execute(
            "UPDATE deliveries
             SET state = 'pending', attempts = 0, next_attempt_at = ?3, reported = 0,
                 claim_token = NULL, lease_until = NULL
             WHERE id = ?2 AND state = 'failed'
               AND message_id IN (SELECT id FROM messages WHERE city_code = ?1)",
            params![city_code, delivery, now],
        )?;
        Ok(changed == 1)
    }
}

/// The columns [`read_entry`] reads: a delivery's, then the subject and the sent time.
const ENTRY_COLUMNS: &str = "d.id, d.message_id, d.recipient, d.state, d.attempts, d.next_attempt_at, d.last_error, d.claim_token, m.subject, d.sent_at";

fn read_entry(r: &rusqlite::Row) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        delivery: read_delivery(r)?,
        subject: r.get(8)?,
        sent_at: r.get(9)?,
    })
}

impl SqliteStore {
    /// Writes the outcome `set` of a claimed copy, only while the claim is `token`'s.
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
    let inserted = tx
        .query_row(
            "INSERT INTO messages (city_code, idempotency_key, subject, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (city_code, idempotency_key) DO NOTHING
             RETURNING id",
            params![city_code, key, subject, body, now],
            |row| row.get::<_, i64>(0),
        )
        .optional()?;
    let Some(id) = inserted else {
        return Ok(false);
    };
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

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
