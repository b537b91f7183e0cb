//! The send preview: who would receive what on the next run, from what is stored now,
//! sending nothing. `hakusho preview-send` prints it, the planning division's console
//! shows it; both read it here, so they never disagree.

use chrono::DateTime;
use chrono_tz::Tz;

use crate::config::Config;
use crate::consolidate;
use crate::mail::outbox::{message_size, too_large};
use crate::mail::report_mails::keyed_report_mails;
use crate::mail::Outgoing;
use crate::report::build::reports_of;
use crate::store::{Delivery, DeliveryState, Store};

/// What the next run would send, and what stands in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The messages the next run would queue (those an earlier run did not).
    pub messages: Vec<PreviewMessage>,
    /// Report mails an earlier run queued with the same content: not sent again.
    pub unchanged: usize,
    /// Inbox files never taken in: the next run takes them in first, so what it mails
    /// may differ from this preview.
    pub unreceived: usize,
    /// The copies waiting in the outbox.
    pub pending: Vec<Delivery>,
}

/// One message of the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewMessage {
    /// Its subject.
    pub subject: String,
    /// Its recipients, as mail headers write them.
    pub to: Vec<String>,
    /// Its attachments: file name and size in bytes.
    pub attachments: Vec<(String, u64)>,
    /// The message's size (body and attachments).
    pub total: u64,
    /// Over the configured limit: sent without the files, telling where they are kept.
    pub too_large: bool,
}

/// The preview of the configured year: builds the reports in memory (seconds), reads
/// the outbox and the inbox folder; writes nothing.
pub fn preview(config: &Config, store: &Store, built_at: DateTime<Tz>) -> anyhow::Result<Preview> {
    let datasets = consolidate::read_from_store(config, store, config.fiscal_year())?;
    let (built, reports) = reports_of(config, datasets, built_at)?;
    let keyed = keyed_report_mails(config, &built, &reports, &config.paths.reports)?;
    let total = keyed.len();
    let mut messages = Vec::new();
    for (key, message) in keyed {
        // What an earlier run queued under the same key, the next run does not send again.
        if !store.has_message(&config.city.code, &key)? {
            messages.push(preview_message(config, &message));
        }
    }
    Ok(Preview {
        unchanged: total - messages.len(),
        messages,
        unreceived: unreceived(config, store)?,
        pending: store.deliveries_in(&config.city.code, DeliveryState::Pending)?,
    })
}

fn preview_message(config: &Config, message: &Outgoing) -> PreviewMessage {
    PreviewMessage {
        subject: message.subject.clone(),
        to: message.to.iter().map(ToString::to_string).collect(),
        attachments: message
            .attachments
            .iter()
            .map(|a| (a.file_name.clone(), a.bytes.len() as u64))
            .collect(),
        total: message_size(message),
        too_large: too_large(config, message),
    }
}

/// How many inbox files were never taken in (an unreadable inbox counts none: the
/// run says why).
fn unreceived(config: &Config, store: &Store) -> anyhow::Result<usize> {
    let Ok(files) = crate::intake::inbox_files(&config.paths.inbox) else {
        return Ok(0);
    };
    let mut unreceived = 0;
    for path in files {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let sha256 = crate::archive::sha256_hex(&bytes);
        if store
            .submission_by_hash(&config.city.code, &sha256)?
            .is_none()
        {
            unreceived += 1;
        }
    }
    Ok(unreceived)
}
