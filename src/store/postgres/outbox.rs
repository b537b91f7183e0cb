//! The outbox on PostgreSQL: messages, attachments, one delivery per recipient, claims.

use postgres::types::ToSql;
use postgres::{Row, Transaction};

use super::{state, PostgresStore};
use crate::store::states::StoredName;
use crate::store::{
    Claim, Delivery, DeliveryPause, DeliveryState, NewMessage, Outbox, OutboxCounts, OutboxEntry,
    StoredAttachment, StoredMessage, UnreportedMessage,
};

impl Outbox for PostgresStore {
    fn enqueue_message(
        &mut self,
        city_code: &str,
        message: &NewMessage,
        now: &str,
    ) -> anyhow::Result<bool> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let queued = insert_message(&mut tx, city_code, message, now)?;
            tx.commit()?;
            Ok(queued)
        })
    }

    fn has_message(&self, city_code: &str, key: &str) -> anyhow::Result<bool> {
        self.run(|client| {
            let row = client.query_one(
                "SELECT EXISTS (SELECT 1 FROM messages WHERE city_code = $1 AND idempotency_key = $2)",
                &[&city_code, &key],
            )?;
            Ok(row.try_get(0)?)
        })
    }

    fn deliveries_in(
        &self,
        city_code: &str,
        state: DeliveryState,
    ) -> anyhow::Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
             WHERE m.city_code = $1 AND d.state = $2 ORDER BY d.id"
        );
        self.run(|client| {
            let rows = client.query(&sql, &[&city_code, &state.as_str()])?;
            rows.iter().map(read_delivery).collect()
        })
    }

    fn message(&self, id: i64) -> anyhow::Result<StoredMessage> {
        self.run(|client| {
            let head = client.query_one(
                "SELECT idempotency_key, subject, body FROM messages WHERE id = $1",
                &[&id],
            )?;
            let attachments = client
                .query(
                    "SELECT file_name, content_type, sha256, size_bytes FROM message_attachments WHERE message_id = $1 ORDER BY position",
                    &[&id],
                )?
                .iter()
                .map(read_attachment)
                .collect::<anyhow::Result<_>>()?;
            Ok(StoredMessage {
                id,
                idempotency_key: head.try_get(0)?,
                subject: head.try_get(1)?,
                body: head.try_get(2)?,
                attachments,
            })
        })
    }

    /// One statement, safe with many replicas: the row is picked and locked with
    /// `FOR UPDATE SKIP LOCKED` (a row another replica is claiming is passed over, not
    /// waited for), and the claimable condition is checked again on the row itself.
    fn claim_next(
        &mut self,
        city_code: &str,
        after_id: i64,
        claim: Claim,
    ) -> anyhow::Result<Option<Delivery>> {
        let sql = format!(
            "UPDATE deliveries
             SET state = 'sending', claim_token = $4, lease_until = $5, attempts = attempts + 1
             WHERE id = (SELECT d.id FROM deliveries d JOIN messages m ON m.id = d.message_id
                         WHERE m.city_code = $1 AND d.id > $2
                           AND ((d.state = 'pending' AND d.next_attempt_at <= $3)
                                OR (d.state = 'sending' AND (d.lease_until IS NULL OR d.lease_until < $3)))
                         ORDER BY d.id LIMIT 1
                         FOR UPDATE OF d SKIP LOCKED)
               AND ((state = 'pending' AND next_attempt_at <= $3)
                    OR (state = 'sending' AND (lease_until IS NULL OR lease_until < $3)))
             RETURNING {}",
            DELIVERY_COLUMNS.replace("d.", "")
        );
        self.run(|client| {
            let row = client.query_opt(
                &sql,
                &[
                    &city_code,
                    &after_id,
                    &claim.now,
                    &claim.token,
                    &claim.lease_until,
                ],
            )?;
            row.as_ref().map(read_delivery).transpose()
        })
    }

    fn mark_sent(&mut self, delivery: i64, token: &str, now: &str) -> anyhow::Result<bool> {
        self.finish_claim(
            delivery,
            token,
            "state = 'sent', sent_at = $3, last_error = NULL",
            now,
        )
    }

    fn mark_retry(
        &mut self,
        delivery: i64,
        token: &str,
        next: &str,
        error: &str,
    ) -> anyhow::Result<bool> {
        self.changed(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = $3, last_error = $4,
                    claim_token = NULL, lease_until = NULL
             WHERE id = $1 AND claim_token = $2 AND state = 'sending'",
            &[&delivery, &token, &next, &error],
        )
        .map(|n| n == 1)
    }

    fn mark_failed(&mut self, delivery: i64, token: &str, error: &str) -> anyhow::Result<bool> {
        self.finish_claim(delivery, token, "state = 'failed', last_error = $3", error)
    }

    fn release(&mut self, delivery: i64, token: &str, error: &str) -> anyhow::Result<bool> {
        self.finish_claim(
            delivery,
            token,
            "state = 'pending', attempts = attempts - 1, last_error = $3",
            error,
        )
    }

    fn requeue_failed(&mut self, city_code: &str, now: &str) -> anyhow::Result<usize> {
        let changed = self.changed(
            "UPDATE deliveries
             SET state = 'pending', attempts = 0, next_attempt_at = $2, reported = 0,
                 claim_token = NULL, lease_until = NULL
             WHERE state = 'failed'
               AND message_id IN (SELECT id FROM messages WHERE city_code = $1)",
            &[&city_code, &now],
        )?;
        Ok(usize::try_from(changed)?)
    }

    fn pause_delivery(&mut self, city_code: &str, reason: &str, now: &str) -> anyhow::Result<bool> {
        let inserted = self.changed(
            "INSERT INTO delivery_pauses (city_code, reason, paused_at, last_probe_at)
             VALUES ($1, $2, $3, $3) ON CONFLICT (city_code) DO NOTHING",
            &[&city_code, &reason, &now],
        )?;
        if inserted == 0 {
            self.changed(
                "UPDATE delivery_pauses SET reason = $2, last_probe_at = $3 WHERE city_code = $1",
                &[&city_code, &reason, &now],
            )?;
        }
        Ok(inserted == 1)
    }

    fn resume_delivery(&mut self, city_code: &str) -> anyhow::Result<bool> {
        let deleted = self.changed(
            "DELETE FROM delivery_pauses WHERE city_code = $1",
            &[&city_code],
        )?;
        Ok(deleted == 1)
    }

    fn delivery_pause(&self, city_code: &str) -> anyhow::Result<Option<DeliveryPause>> {
        self.run(|client| {
            let row = client.query_opt(
                "SELECT reason, paused_at, last_probe_at FROM delivery_pauses WHERE city_code = $1",
                &[&city_code],
            )?;
            row.map(|r| {
                Ok(DeliveryPause {
                    reason: r.try_get(0)?,
                    paused_at: r.try_get(1)?,
                    last_probe_at: r.try_get(2)?,
                })
            })
            .transpose()
        })
    }

    /// The failed copies are locked as they are read (`FOR UPDATE OF d`), so a
    /// second replica taking them at once waits, then finds them reported.
    fn take_unreported_failures(
        &mut self,
        city_code: &str,
    ) -> anyhow::Result<Vec<(Delivery, UnreportedMessage)>> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let taken = take_failures(&mut tx, city_code)?;
            tx.commit()?;
            Ok(taken)
        })
    }

    fn outbox_counts(&self, city_code: &str) -> anyhow::Result<OutboxCounts> {
        let rows = self.run(|client| {
            Ok(client.query(
                "SELECT d.state, COUNT(*) FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.city_code = $1 GROUP BY d.state",
                &[&city_code],
            )?)
        })?;
        let mut counts = OutboxCounts::default();
        for r in &rows {
            let n: i64 = r.try_get(1)?;
            match state(r, 0)? {
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
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
             WHERE m.city_code = $1 AND d.state = $2 ORDER BY d.id DESC LIMIT $3"
        );
        self.run(|client| {
            let rows = client.query(&sql, &[&city_code, &state.as_str(), &limit])?;
            rows.iter().map(read_entry).collect()
        })
    }

    fn outbox_entry(&self, city_code: &str, delivery: i64) -> anyhow::Result<Option<OutboxEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
             WHERE m.city_code = $1 AND d.id = $2"
        );
        self.run(|client| {
            let rows = client.query(&sql, &[&city_code, &delivery])?;
            rows.iter().map(read_entry).next().transpose()
        })
    }

    fn requeue_one(&mut self, city_code: &str, delivery: i64, now: &str) -> anyhow::Result<bool> {
        let changed = self.changed(
            "UPDATE deliveries
             SET state = 'pending', attempts = 0, next_attempt_at = $3, reported = 0,
                 claim_token = NULL, lease_until = NULL
             WHERE id = $2 AND state = 'failed'
               AND message_id IN (SELECT id FROM messages WHERE city_code = $1)",
            &[&city_code, &delivery, &now],
        )?;
        Ok(changed == 1)
    }
}

/// The columns [`read_entry`] reads: a delivery's, then the subject and the sent time.
const ENTRY_COLUMNS: &str = "d.id, d.message_id, d.recipient, d.state, d.attempts, d.next_attempt_at, d.last_error, d.claim_token, m.subject, d.sent_at";

fn read_entry(r: &Row) -> anyhow::Result<OutboxEntry> {
    Ok(OutboxEntry {
        delivery: read_delivery(r)?,
        subject: r.try_get(8)?,
        sent_at: r.try_get(9)?,
    })
}

impl PostgresStore {
    /// Runs one statement; how many rows it changed.
    pub(super) fn changed(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> anyhow::Result<u64> {
        self.run(|client| Ok(client.execute(sql, params)?))
    }

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
             WHERE id = $1 AND claim_token = $2 AND state = 'sending'"
        );
        Ok(self.changed(&sql, &[&delivery, &token, &value])? == 1)
    }
}

/// The unreported failed copies of a city with their messages, marked reported.
fn take_failures(
    tx: &mut Transaction,
    city_code: &str,
) -> anyhow::Result<Vec<(Delivery, UnreportedMessage)>> {
    let failed = tx.query(
        &format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
             WHERE m.city_code = $1 AND d.state = 'failed' AND d.reported = 0 ORDER BY d.id
             FOR UPDATE OF d"
        ),
        &[&city_code],
    )?;
    let mut out = Vec::new();
    for row in &failed {
        let delivery = read_delivery(row)?;
        let message = tx.query_one(
            "SELECT subject, idempotency_key FROM messages WHERE id = $1",
            &[&delivery.message_id],
        )?;
        // Only a copy still unreported once locked: another replica may have taken it.
        let marked = tx.execute(
            "UPDATE deliveries SET reported = 1 WHERE id = $1 AND reported = 0",
            &[&delivery.id],
        )?;
        if marked == 1 {
            let key = message.try_get(1)?;
            out.push((
                delivery,
                UnreportedMessage {
                    subject: message.try_get(0)?,
                    key,
                },
            ));
        }
    }
    Ok(out)
}

/// The columns [`read_delivery`] reads, in its order.
const DELIVERY_COLUMNS: &str = "d.id, d.message_id, d.recipient, d.state, d.attempts, d.next_attempt_at, d.last_error, d.claim_token";

fn read_delivery(r: &Row) -> anyhow::Result<Delivery> {
    Ok(Delivery {
        id: r.try_get(0)?,
        message_id: r.try_get(1)?,
        recipient: r.try_get(2)?,
        state: state(r, 3)?,
        attempts: r.try_get(4)?,
        next_attempt_at: r.try_get(5)?,
        last_error: r.try_get(6)?,
        claim_token: r.try_get(7)?,
    })
}

fn read_attachment(r: &Row) -> anyhow::Result<StoredAttachment> {
    Ok(StoredAttachment {
        file_name: r.try_get(0)?,
        content_type: r.try_get(1)?,
        sha256: r.try_get(2)?,
        size_bytes: r.try_get(3)?,
    })
}

/// Writes a message and a delivery per recipient inside `tx`, unless a message with the
/// same key exists (then `false`): a second replica queuing the same key waits on the
/// unique index, then gives way.
pub(super) fn insert_message(
    tx: &mut Transaction,
    city_code: &str,
    message: &NewMessage,
    now: &str,
) -> anyhow::Result<bool> {
    let inserted = tx.query_opt(
        // NOT EXISTS first, so that a message queued again draws no id (see submissions).
        "INSERT INTO messages (city_code, idempotency_key, subject, body, created_at)
         SELECT $1::text, $2::text, $3::text, $4::text, $5::text
         WHERE NOT EXISTS (SELECT 1 FROM messages WHERE city_code = $1 AND idempotency_key = $2)
         ON CONFLICT (city_code, idempotency_key) DO NOTHING
         RETURNING id",
        &[
            &city_code,
            &message.key,
            &message.subject,
            &message.body,
            &now,
        ],
    )?;
    let Some(row) = inserted else {
        return Ok(false);
    };
    let id: i64 = row.try_get(0)?;
    for (position, a) in message.attachments.iter().enumerate() {
        tx.execute(
            "INSERT INTO message_attachments (message_id, position, file_name, content_type, sha256, size_bytes)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&id, &(position as i64), &a.file_name, &a.content_type, &a.sha256, &a.size_bytes],
        )?;
    }
    for recipient in message.recipients {
        tx.execute(
            "INSERT INTO deliveries (message_id, recipient, state, next_attempt_at) VALUES ($1, $2, 'pending', $3)",
            &[&id, recipient, &now],
        )?;
    }
    Ok(true)
}
