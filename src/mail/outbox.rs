//! The outbox and its delivery worker.
//!
//! Every message is first written to the store (subject, body, attachments by content
//! hash, one delivery per recipient, an idempotency key per run and audience), then
//! delivered by [`deliver_once`]:
//! - each copy is claimed before it is sent, with a lease (see [`lease`]): two processes
//!   delivering at once (`send` beside `serve`, two daemons) never send one copy twice,
//!   and a copy whose sender died is taken again by whoever delivers after the lease ran
//!   out;
//! - a transient failure is retried with exponential backoff, up to `mail.max_attempts`;
//! - a permanent one (5xx) is recorded at once, never retried, and reported to the managers;
//! - a failure of the sender's own setting (a refused login, TLS that cannot be set up)
//!   pauses delivery instead: no copy is blamed, the pause is kept in the store, logged
//!   and queued to the managers, and every later pass tries one copy to see whether it
//!   was fixed;
//! - a copy is marked sent as soon as the server takes it, so a retry goes only to the
//!   recipients that failed.
//!
//! Each copy has a fixed Message-ID, so even a copy interrupted mid-send and resent
//! after a crash (the one case that may repeat) can be recognised downstream.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

use crate::archive::{keep_by_hash, path_by_hash, sha256_hex};
use crate::config::{mailboxes, Config};
use crate::domain::{stamp, Clock};
use crate::mail::{FailureKind, Mailer, Outgoing, OutgoingAttachment, SendError};
use crate::store::{Claim, Delivery, Staged, Store, StoredAttachment, StoredMessage};
use crate::texts::{self, render_file, Values};

/// The key prefix of the managers' reports of undeliverable mail.
const FAILURE_REPORT: &str = "delivery-failures";

/// The key prefix of the managers' notices that delivery was paused.
const PAUSE_NOTICE: &str = "delivery-paused";

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Copies the server accepted.
    pub sent: usize,
    /// Copies that failed transiently and wait for another attempt.
    pub retried: usize,
    /// Copies that failed for good (permanent error or attempts used up).
    pub failed: usize,
    /// The pass ended with delivery paused (the reason is in the store).
    pub paused: bool,
}

/// How long a claim on a copy holds: `mail.lease_seconds`, by default three times the
/// SMTP timeout (one send is bounded by it) plus a minute for building the message and
/// writing the outcome. A sender that has not recorded an outcome by then is taken to
/// be dead.
pub fn lease(config: &Config) -> Duration {
    let timeout = config
        .mail
        .smtp
        .as_ref()
        .map_or(30, |smtp| smtp.timeout_seconds);
    let seconds = config
        .mail
        .lease_seconds
        .unwrap_or_else(|| timeout.saturating_mul(3).saturating_add(60));
    Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 2_000))
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
    clock: &Clock,
) -> anyhow::Result<DeliveryStats> {
    let mut stats = deliver_due(config, store, mailer, clock).await?;
    if !stats.paused && report_failures(config, store, clock.now())? {
        let more = deliver_due(config, store, mailer, clock).await?;
        stats.sent += more.sent;
        stats.retried += more.retried;
        stats.failed += more.failed;
        stats.paused = more.paused;
    }
    Ok(stats)
}

/// One sender's claims during a pass: its token, and the application's clock.
struct Sender {
    token: String,
    lease: Duration,
    clock: Clock,
}

impl Sender {
    fn new(config: &Config, clock: &Clock) -> Sender {
        static PASSES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let pass = PASSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The pass's now (from the caller's clock) with the process and the pass: no
        // two live senders share a token.
        let nanos = clock.now().timestamp_nanos_opt().unwrap_or_default();
        Sender {
            token: format!("{}-{nanos}-{pass}", std::process::id()),
            lease: lease(config),
            clock: clock.clone(),
        }
    }

    /// The time now, read at each claim and each result, so a long pass neither takes
    /// leases that are still live nor grants ones that are already over.
    fn clock(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Claims up to `count` copies after `cursor`, which moves past them.
    fn claim(
        &self,
        config: &Config,
        store: &mut Store,
        cursor: &mut i64,
        count: usize,
    ) -> anyhow::Result<Vec<Delivery>> {
        let clock = self.clock();
        let (now, lease_until) = (stamp(clock), stamp(clock + self.lease));
        let claim = Claim {
            token: &self.token,
            now: &now,
            lease_until: &lease_until,
        };
        let mut claimed = Vec::new();
        while claimed.len() < count {
            let Some(delivery) = store.claim_next(&config.city.code, *cursor, claim)? else {
                break;
            };
            *cursor = delivery.id;
            claimed.push(delivery);
        }
        Ok(claimed)
    }
}

/// Claims and sends the due copies a few at a time, in id order. The cursor makes a
/// pass try each copy once, even one whose retry falls due at once. While delivery is
/// paused, a single copy goes first to see whether the setting was fixed.
async fn deliver_due(
    config: &Config,
    store: &mut Store,
    mailer: &Mailer,
    clock: &Clock,
) -> anyhow::Result<DeliveryStats> {
    let sender = Sender::new(config, clock);
    let parallel = config.mail.parallel.max(1);
    let mut count = if store.delivery_pause(&config.city.code)?.is_some() {
        1
    } else {
        parallel
    };
    let mut stats = DeliveryStats::default();
    let mut cursor = 0;
    let mut cached = None;
    loop {
        let batch = sender.claim(config, store, &mut cursor, count)?;
        if batch.is_empty() {
            break;
        }
        let results = send_batch(config, store, mailer, batch, &mut cached).await?;
        let mut setting_failure = None;
        for (delivery, result) in results {
            if let Some(reason) = record(config, store, &delivery, &sender, result, &mut stats)? {
                setting_failure = Some(reason);
            }
        }
        if let Some(reason) = setting_failure {
            pause(config, store, &reason, sender.clock())?;
            stats.paused = true;
            break;
        }
        if stats.sent > 0 && store.resume_delivery(&config.city.code)? {
            tracing::info!("メールの配送を再開しました(送信者側の設定の問題が解消しました)");
        }
        count = parallel;
    }
    Ok(stats)
}

/// A message and its attachments' bytes, kept while copies of it are sent.
type Loaded = (StoredMessage, Vec<Vec<u8>>);

/// Sends claimed copies at once over the pooled connections. A copy that cannot be
/// built (an address that does not parse, an attachment gone from the archive) fails
/// for good with the reason, as a refusal would.
async fn send_batch(
    config: &Config,
    store: &mut Store,
    mailer: &Mailer,
    batch: Vec<Delivery>,
    cached: &mut Option<Loaded>,
) -> anyhow::Result<Vec<(Delivery, Result<(), SendError>)>> {
    let mut sending = tokio::task::JoinSet::new();
    let mut results = Vec::new();
    for delivery in batch {
        match load(config, store, cached, delivery.message_id)
            .and_then(|(message, attachments)| build(config, message, attachments, &delivery))
        {
            Ok(email) => {
                let mailer = mailer.clone();
                sending.spawn(async move { (delivery, mailer.send(email).await) });
            }
            Err(error) => {
                let unbuildable =
                    SendError::permanent(texts::delivery::unbuildable(format!("{error:#}")));
                results.push((delivery, Err(unbuildable)));
            }
        }
    }
    while let Some(joined) = sending.join_next().await {
        results.push(joined.context("a delivery task failed")?);
    }
    Ok(results)
}

/// The message of a copy, read once for all its copies (they are claimed together).
fn load<'a>(
    config: &Config,
    store: &Store,
    cached: &'a mut Option<Loaded>,
    message_id: i64,
) -> anyhow::Result<&'a Loaded> {
    if cached.as_ref().is_none_or(|(m, _)| m.id != message_id) {
        let message = store.message(message_id)?;
        let attachments = read_attachments(config, &message)?;
        *cached = Some((message, attachments));
    }
    Ok(cached.as_ref().expect("just loaded"))
}

/// Records the server's answer for one copy, where the claim is still ours. Returns
/// the reason when the sender's own setting failed (the copy is then given back).
fn record(
    config: &Config,
    store: &mut Store,
    delivery: &Delivery,
    sender: &Sender,
    result: Result<(), SendError>,
    stats: &mut DeliveryStats,
) -> anyhow::Result<Option<String>> {
    let token = sender.token.as_str();
    let kept = match result {
        Ok(()) => {
            stats.sent += 1;
            store.mark_sent(delivery.id, token, &stamp(sender.clock()))?
        }
        Err(e) if e.kind == FailureKind::Setting => {
            store.release(delivery.id, token, &e.message)?;
            return Ok(Some(e.message));
        }
        Err(e)
            if e.kind == FailureKind::Permanent
                || delivery.attempts >= i64::from(config.mail.max_attempts) =>
        {
            tracing::warn!(recipient = %crate::domain::printable(&delivery.recipient), error = %crate::domain::printable(&e.to_string()), "delivery failed for good");
            stats.failed += 1;
            store.mark_failed(delivery.id, token, &e.message)?
        }
        Err(e) => {
            let next = sender.clock() + backoff(config, delivery.attempts);
            tracing::info!(recipient = %crate::domain::printable(&delivery.recipient), error = %crate::domain::printable(&e.to_string()), next = %stamp(next), "delivery will be retried");
            stats.retried += 1;
            store.mark_retry(delivery.id, token, &stamp(next), &e.message)?
        }
    };
    if !kept {
        tracing::warn!(delivery = delivery.id, recipient = %crate::domain::printable(&delivery.recipient),
            "the claim on this copy ran out before its outcome was recorded; another sender has it");
    }
    Ok(None)
}

/// Records the pause, tells the operator, and queues a notice to the managers the
/// first time (it goes out when mail works again).
fn pause(
    config: &Config,
    store: &mut Store,
    reason: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let first = store.pause_delivery(&config.city.code, reason, &stamp(now))?;
    if first {
        tracing::error!(
            "メールの配送を一時停止しました。送信者側の設定の問題で、宛先の誤りではないため、どのメールも配送不能にはしていません。設定を直すと次の配送で自動的に再開します: {reason}"
        );
        queue_pause_notice(config, store, reason, now)?;
    } else {
        tracing::warn!("メールの配送は一時停止したままです(設定がまだ直っていません): {reason}");
    }
    Ok(())
}

fn queue_pause_notice(
    config: &Config,
    store: &mut Store,
    reason: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if config.managers.recipients.is_empty() {
        return Ok(());
    }
    let since = now.with_timezone(&chrono_tz::Asia::Tokyo);
    let values = Values::from([
        ("city", config.city.name.clone()),
        ("since", since.format("%Y-%m-%d %H:%M %Z").to_string()),
        ("reason", reason.to_string()),
    ]);
    let rendered = render_file(&config.paths.templates, "delivery_paused", &values)?;
    let outgoing = Outgoing {
        to: mailboxes(&config.managers.recipients),
        subject: rendered.subject,
        body: rendered.body,
        attachments: Vec::new(),
    };
    enqueue(
        config,
        store,
        &format!("{PAUSE_NOTICE}:{}", stamp(now)),
        &outgoing,
        now,
    )?;
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
