//! The outbox's records: messages, their attachments (by hash), and one delivery per
//! recipient with its state, attempts and next attempt time. Times are UTC in
//! `YYYY-MM-DDTHH:MM:SSZ`, which sort as text. How copies are claimed is told on
//! [`Outbox`](super::Outbox).

use super::DeliveryState;

/// An attachment as stored: the file lives in the archive under its sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    /// The name the recipient sees.
    pub file_name: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its SHA-256: the archive keeps the bytes under it.
    pub sha256: String,
    /// Its size.
    pub size_bytes: i64,
}

/// A message waiting in the outbox, or already sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its id in the store.
    pub id: i64,
    /// What it carries, as a key: the same key is the same message.
    pub idempotency_key: String,
    /// Its subject.
    pub subject: String,
    /// Its plain-text body.
    pub body: String,
    /// Its attachments, in order.
    pub attachments: Vec<StoredAttachment>,
}

/// The message of a copy that failed for good, as the failure report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreportedMessage {
    /// Its subject.
    pub subject: String,
    /// Its idempotency key.
    pub key: String,
}

/// One recipient's copy of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id in the store.
    pub id: i64,
    /// The message it is a copy of.
    pub message_id: i64,
    /// The address it goes to.
    pub recipient: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// How many times it was tried.
    pub attempts: i64,
    /// When it is due next.
    pub next_attempt_at: String,
    /// The server's latest refusal, if any.
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
    /// The sender's own token, unique to it.
    pub token: &'a str,
    /// Due copies are those whose next attempt is at or before this time; a lease
    /// before it has expired.
    pub now: &'a str,
    /// Until when the claimed copy is the sender's.
    pub lease_until: &'a str,
}

/// A message to put in the outbox.
pub struct NewMessage<'a> {
    /// Same key, same message: a second enqueue is ignored.
    pub key: &'a str,
    /// Its subject.
    pub subject: &'a str,
    /// Its plain-text body.
    pub body: &'a str,
    /// One delivery is written per recipient.
    pub recipients: &'a [String],
    /// Its attachments, already in the archive.
    pub attachments: &'a [StoredAttachment],
}

/// A message ready for the outbox: its attachments are already kept in the archive, so
/// that queuing it is only rows in the store, which can then be written in the same
/// transaction as what the message answers.
#[derive(Debug, Clone)]
pub struct Staged {
    /// Same key, same message.
    pub key: String,
    /// Its subject.
    pub subject: String,
    /// Its plain-text body.
    pub body: String,
    /// Its recipients.
    pub recipients: Vec<String>,
    /// Its attachments, already in the archive.
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
    /// Waiting to be sent (or being sent).
    pub pending: i64,
    /// Accepted by the server.
    pub sent: i64,
    /// Given up on.
    pub failed: i64,
}

/// A copy as the planning division's outbox page lists it: the copy, its message's
/// subject, and when the server accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The copy.
    pub delivery: Delivery,
    /// Its message's subject.
    pub subject: String,
    /// When the server accepted it, once sent.
    pub sent_at: Option<String>,
}
