//! `hakusho preview-send`: who would receive what on the next run, sending nothing
//! (the preview itself is [`crate::mail::preview`], which the console shows too).

use crate::app::App;
use crate::domain::printable;
use crate::mail::outbox::size_label;
use crate::mail::preview::{preview, Preview, PreviewMessage};

/// The messages the next run would send from what is stored now, and the outbox.
pub(super) async fn preview_send(app: &App) -> anyhow::Result<()> {
    let store = app.store().lock().await?;
    let found = preview(app.config(), &store, app.build_time())?;
    print_preview(&found);
    Ok(())
}

/// The preview, as the command has always printed it.
fn print_preview(preview: &Preview) {
    println!(
        "次の実行で送るメール ({} 通、送信はしません):",
        preview.messages.len()
    );
    for message in &preview.messages {
        print_message(message);
    }
    if preview.unchanged > 0 {
        println!(
            "前回と同じ内容のため、次の実行でも報告書のメールは送りません（{} 件）",
            preview.unchanged
        );
    }
    if preview.unreceived > 0 {
        println!("受付フォルダーに、まだ受け付けていないファイルが {} 件あります。次の実行はそれらを受け付けてから報告書を作るため、送るメールはこの一覧と変わることがあります", preview.unreceived);
    }
    println!("送信待ちのメール: {} 件", preview.pending.len());
    for d in &preview.pending {
        println!(
            "  {} (試行 {} 回、次回 {})",
            d.recipient, d.attempts, d.next_attempt_at
        );
    }
}

/// One message: subject, recipients, attachments and the total size.
fn print_message(message: &PreviewMessage) {
    println!("  {}", printable(&message.subject));
    println!("    宛先: {}", message.to.join(", "));
    for (name, size) in &message.attachments {
        println!("    添付: {} ({})", printable(name), size_label(*size));
    }
    println!(
        "    合計 {}{}",
        size_label(message.total),
        if message.too_large {
            "(上限を超えるため、添付せずに保存場所を知らせます)"
        } else {
            ""
        }
    );
}
