//! `hakusho preview-send`: who would receive what on the next run, sending nothing.

use crate::app::App;
use crate::consolidate;
use crate::domain::printable;
use crate::mail::outbox::{message_size, size_label, too_large};
use crate::mail::report_mails::keyed_report_mails;
use crate::mail::Outgoing;
use crate::report::build::reports_of;
use crate::store::{DeliveryState, Store};

/// The messages the next run would send from what is stored now, and the outbox.
pub(super) async fn preview_send(app: &App) -> anyhow::Result<()> {
    let config = app.config();
    let store = app.store().lock().await?;
    let datasets = consolidate::read_from_store(config, &store, config.fiscal_year())?;
    let (built, reports) = reports_of(config, datasets, app.build_time())?;
    let keyed = keyed_report_mails(config, &built, &reports, &config.paths.reports)?;
    let total = keyed.len();
    let mut messages = Vec::new();
    for (key, message) in keyed {
        // What an earlier run queued under the same key, the next run does not send again.
        if !store.has_message(&config.city.code, &key)? {
            messages.push(message);
        }
    }
    let unchanged = total - messages.len();
    println!(
        "次の実行で送るメール ({} 通、送信はしません):",
        messages.len()
    );
    for message in &messages {
        print_message(app, message);
    }
    if unchanged > 0 {
        println!("前回と同じ内容のため、次の実行でも報告書のメールは送りません（{unchanged} 件）");
    }
    print_unreceived(app, &store)?;
    print_pending(app, &store)
}

/// Files in the inbox that were never taken in: the next run takes them in first, so
/// what it mails may differ from this preview, which reads only the store.
fn print_unreceived(app: &App, store: &Store) -> anyhow::Result<()> {
    let config = app.config();
    let Ok(files) = crate::intake::inbox_files(&config.paths.inbox) else {
        return Ok(());
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
    if unreceived > 0 {
        println!("受付フォルダーに、まだ受け付けていないファイルが {unreceived} 件あります。次の実行はそれらを受け付けてから報告書を作るため、送るメールはこの一覧と変わることがあります");
    }
    Ok(())
}

/// One message: subject, recipients, attachments and the total size.
fn print_message(app: &App, message: &Outgoing) {
    let to: Vec<String> = message.to.iter().map(ToString::to_string).collect();
    println!("  {}", printable(&message.subject));
    println!("    宛先: {}", to.join(", "));
    for a in &message.attachments {
        println!(
            "    添付: {} ({})",
            printable(&a.file_name),
            size_label(a.bytes.len() as u64)
        );
    }
    println!(
        "    合計 {}{}",
        size_label(message_size(message)),
        if too_large(app.config(), message) {
            "(上限を超えるため、添付せずに保存場所を知らせます)"
        } else {
            ""
        }
    );
}

/// The copies waiting in the outbox.
fn print_pending(app: &App, store: &Store) -> anyhow::Result<()> {
    let pending = store.deliveries_in(&app.config().city.code, DeliveryState::Pending)?;
    println!("送信待ちのメール: {} 件", pending.len());
    for d in pending {
        println!(
            "  {} (試行 {} 回、次回 {})",
            d.recipient, d.attempts, d.next_attempt_at
        );
    }
    Ok(())
}
