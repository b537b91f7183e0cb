//! The outbox and its delivery worker.
//!
//! Every message is first written to the store (subject, body, attachments by content
//! hash, one delivery per recipient, an idempotency key per run and audience), then
//! delivered by [`deliver_once`]:
//! - a transient failure is retried with exponential backoff, up to `mail.max_attempts`;
//! - a permanent one (5xx) is recorded at once, never retried, and reported to the managers;
//! - a restart resumes pending copies; a copy is marked sent as soon as the server takes it,
//!   so no recipient gets a message twice, and a retry goes only to the recipients that failed.
//!
//! Each copy has a fixed Message-ID, so even a copy interrupted mid-send and resent
//! after a crash can be recognised downstream.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

use crate::config::{mailboxes, Config};
use crate::intake::{keep_by_hash, path_by_hash, sha256_hex};
use crate::mail::template::{render_file, Values};
use crate::mail::{Mailer, Outgoing, OutgoingAttachment};
use crate::store::{Delivery, NewMessage, Store, StoredAttachment, StoredMessage};

/// The key prefix of the managers' reports of undeliverable mail.
const FAILURE_REPORT: &str = "delivery-failures";

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// A UTC time as the outbox stores it; such strings sort in time order.
pub fn stamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Attachments are kept by hash under `archive/outbox/`, apart from the originals received.
fn attachments_dir(config: &Config) -> PathBuf {
    config.paths.archive.join("outbox")
}

/// Writes a message to the outbox unless one with the same key is there already
/// (then `false`). Attachments over the size limit are replaced by a note saying where
/// the files are.
pub fn enqueue(
    config: &Config,
    store: &mut Store,
    key: &str,
    outgoing: &Outgoing,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let staged = stage(config, key, outgoing)?;
    store.enqueue_message(&config.city.code, &staged.as_new(), &stamp(now))
}

/// A message ready for the outbox: its attachments are already kept in the archive, so
/// that queuing it is only rows in the store, which can then be written in the same
/// transaction as what the message answers.
#[derive(Debug, Clone)]
pub struct Staged {
    pub key: String,
    pub subject: String,
    pub body: String,
    pub recipients: Vec<String>,
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

/// Keeps a message's attachments in the archive (or, over the size limit, notes in its
/// body where the files are) and returns what is left to write to the store.
pub fn stage(config: &Config, key: &str, outgoing: &Outgoing) -> anyhow::Result<Staged> {
    let (body, attachments) = if too_large(config, outgoing) {
        (with_size_note(config, outgoing), Vec::new())
    } else {
        (
            outgoing.body.clone(),
            outgoing
                .attachments
                .iter()
                .map(|a| keep(config, a))
                .collect::<anyhow::Result<Vec<_>>>()?,
        )
    };
    Ok(Staged {
        key: key.to_string(),
        subject: outgoing.subject.clone(),
        body,
        recipients: outgoing.to.iter().map(ToString::to_string).collect(),
        attachments,
    })
}

/// Keeps an attachment's bytes in the archive under their hash.
fn keep(config: &Config, attachment: &OutgoingAttachment) -> anyhow::Result<StoredAttachment> {
    let sha256 = sha256_hex(&attachment.bytes);
    keep_by_hash(&attachments_dir(config), &sha256, "", &attachment.bytes)?;
    Ok(StoredAttachment {
        file_name: attachment.file_name.clone(),
        content_type: attachment.content_type.clone(),
        sha256,
        size_bytes: attachment.bytes.len() as i64,
    })
}

/// The size that counts against `mail.max_message_bytes`: the body and the attachments.
pub fn message_size(outgoing: &Outgoing) -> u64 {
    let attachments: usize = outgoing.attachments.iter().map(|a| a.bytes.len()).sum();
    (outgoing.body.len() + attachments) as u64
}

/// Whether a message goes without its attachments, which its body then points to.
pub fn too_large(config: &Config, outgoing: &Outgoing) -> bool {
    !outgoing.attachments.is_empty() && message_size(outgoing) > config.mail.max_message_bytes
}

/// A size as people read it: `48 KB`, `12.3 MB`.
pub fn size_label(bytes: u64) -> String {
    if bytes < 1_048_576 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    }
}

fn with_size_note(config: &Config, outgoing: &Outgoing) -> String {
    let mut note = format!(
        "\n※添付ファイルが大きいため(合計 {}、上限 {})、このメールには添付していません。ファイルは次の場所にあります:\n",
        size_label(message_size(outgoing)),
        size_label(config.mail.max_message_bytes)
    );
    for a in &outgoing.attachments {
        let place = a.location.clone().unwrap_or_else(|| a.file_name.clone());
        let size = size_label(a.bytes.len() as u64);
        note.push_str(&format!("  ・{place}({size})\n"));
    }
    format!("{}{note}", outgoing.body)
}

/// Delivers every copy that is due, then reports new permanent failures to the managers.
pub async fn deliver_once(
    config: &Config,
    store: &mut Store,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> anyhow::Result<DeliveryStats> {
    let mut stats = deliver_due(config, store, mailer, now).await?;
    if report_failures(config, store, now)? {
        let more = deliver_due(config, store, mailer, now).await?;
        stats.sent += more.sent;
        stats.retried += more.retried;
        stats.failed += more.failed;
    }
    Ok(stats)
}

async fn deliver_due(
    config: &Config,
    store: &mut Store,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> anyhow::Result<DeliveryStats> {
    let mut stats = DeliveryStats::default();
    let due = store.due_deliveries(&config.city.code, &stamp(now))?;
    // A few copies go out at once over the pooled connections; the store is updated
    // copy by copy as the server answers each.
    for batch in due.chunks(config.mail.parallel.max(1)) {
        let mut sending = tokio::task::JoinSet::new();
        // Copies of one message are due together: it and its attachments are read once.
        let mut cached: Option<(StoredMessage, Vec<Vec<u8>>)> = None;
        for delivery in batch {
            if cached
                .as_ref()
                .is_none_or(|(m, _)| m.id != delivery.message_id)
            {
                let message = store.message(delivery.message_id)?;
                let attachments = read_attachments(config, &message)?;
                cached = Some((message, attachments));
            }
            let (message, attachments) = cached.as_ref().expect("just loaded");
            let email = build(config, message, attachments, delivery)
                .with_context(|| format!("building message {}", message.id))?;
            store.mark_sending(delivery.id)?;
            let (mailer, delivery) = (mailer.clone(), delivery.clone());
            sending.spawn(async move { (delivery, mailer.send(email).await) });
        }
        while let Some(joined) = sending.join_next().await {
            let (delivery, result) = joined.context("a delivery task failed")?;
            record(config, store, &delivery, result, now, &mut stats)?;
        }
    }
    Ok(stats)
}

/// Records the server's answer for one copy.
fn record(
    config: &Config,
    store: &mut Store,
    delivery: &Delivery,
    result: Result<(), crate::mail::SendError>,
    now: DateTime<Utc>,
    stats: &mut DeliveryStats,
) -> anyhow::Result<()> {
    match result {
        Ok(()) => {
            store.mark_sent(delivery.id, &stamp(Utc::now()))?;
            stats.sent += 1;
        }
        Err(e) if e.permanent || delivery.attempts + 1 >= i64::from(config.mail.max_attempts) => {
            tracing::warn!(recipient = %delivery.recipient, error = %e, "delivery failed for good");
            store.mark_failed(delivery.id, &e.message)?;
            stats.failed += 1;
        }
        Err(e) => {
            let next = now + backoff(config, delivery.attempts + 1);
            tracing::info!(recipient = %delivery.recipient, error = %e, next = %stamp(next), "delivery will be retried");
            store.mark_retry(delivery.id, &stamp(next), &e.message)?;
            stats.retried += 1;
        }
    }
    Ok(())
}

/// `retry_seconds` × 2^(attempts − 1), at most an hour.
pub fn backoff(config: &Config, attempts: i64) -> Duration {
    let factor = 1i64 << (attempts - 1).clamp(0, 20);
    Duration::seconds(
        (config.mail.retry_seconds as i64)
            .saturating_mul(factor)
            .min(3600),
    )
}

/// The bytes of a message's attachments, in its order.
fn read_attachments(config: &Config, message: &StoredMessage) -> anyhow::Result<Vec<Vec<u8>>> {
    message
        .attachments
        .iter()
        .map(|a| {
            std::fs::read(path_by_hash(&attachments_dir(config), &a.sha256, ""))
                .with_context(|| format!("reading attachment {}", a.file_name))
        })
        .collect()
}

/// One recipient's copy, with a Message-ID fixed by the delivery.
fn build(
    config: &Config,
    message: &StoredMessage,
    attachments: &[Vec<u8>],
    delivery: &Delivery,
) -> anyhow::Result<Message> {
    let from = &config.mail.from.0;
    let to: Mailbox = delivery
        .recipient
        .parse()
        .with_context(|| format!("recipient {}", delivery.recipient))?;
    let domain = from.email.domain().to_string();
    let id = format!(
        "<hakusho.{}.{}@{domain}>",
        delivery.id,
        &sha256_hex(message.idempotency_key.as_bytes())[..12]
    );
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(message.body.clone()));
    for (a, bytes) in message.attachments.iter().zip(attachments) {
        parts = parts.singlepart(attachment_part(a, bytes.clone())?);
    }
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&message.subject)
        .message_id(Some(id))
        .multipart(parts)?)
}

/// An attachment part whose Japanese name Outlook shows: lettre writes the RFC 2231
/// `filename*` parameter; the RFC 2047 `name` parameter on Content-Type is added here.
fn attachment_part(a: &StoredAttachment, bytes: Vec<u8>) -> anyhow::Result<SinglePart> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(a.file_name.as_bytes());
    let content_type = ContentType::parse(&format!(
        "{}; name=\"=?UTF-8?B?{encoded}?=\"",
        a.content_type
    ))
    .or_else(|_| ContentType::parse(&a.content_type))
    .with_context(|| format!("content type of {}", a.file_name))?;
    Ok(Attachment::new(a.file_name.clone()).body(bytes, content_type))
}

/// Enqueues one message to the managers about copies that failed for good. True when
/// there was something to report.
fn report_failures(config: &Config, store: &mut Store, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let failures = store.take_unreported_failures(&config.city.code)?;
    // A failure of a failure report is only logged: it would loop otherwise.
    let failures: Vec<_> = failures
        .into_iter()
        .filter(|(_, message)| !message.key.starts_with(FAILURE_REPORT))
        .collect();
    if failures.is_empty() || config.managers.recipients.is_empty() {
        return Ok(false);
    }
    let lines: Vec<String> = failures
        .iter()
        .map(|(d, message)| {
            format!(
                "  ・{}: {}({})",
                d.recipient,
                message.subject,
                d.last_error.clone().unwrap_or_default()
            )
        })
        .collect();
    let values = Values::from([
        ("city", config.city.name.clone()),
        ("count", failures.len().to_string()),
        ("lines", lines.join("\n")),
    ]);
    let rendered = render_file(&config.paths.templates, "delivery_failures", &values)?;
    let outgoing = Outgoing {
        to: mailboxes(&config.managers.recipients),
        subject: rendered.subject,
        body: rendered.body,
        attachments: Vec::new(),
    };
    let key = format!(
        "{FAILURE_REPORT}:{}",
        failures
            .iter()
            .map(|(d, _)| d.id.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    enqueue(config, store, &key, &outgoing, now)?;
    Ok(true)
}
