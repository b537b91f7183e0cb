//! `hakusho send`: delivers the outbox now.

use anyhow::{bail, Context};

use super::print::tokyo_time;
use crate::app::App;
use crate::domain::stamp;
use crate::mail::outbox::deliver_once;

/// What a store error during delivery means to the operator (the database's own
/// words, often English, follow as the cause).
const UNREADABLE_OUTBOX: &str =
    "送信待ちのメールを扱えませんでした。保存先 (store) が壊れていないか最新の版か (`hakusho migrate`)、保管場所 (paths.archive) が読めるかを確かめてください";

/// Delivers what is due (after requeueing the undeliverable copies when asked). A
/// pass that ends with delivery paused is an error: nothing could be sent.
pub(super) async fn send(app: &App, retry_undeliverable: bool) -> anyhow::Result<()> {
    let config = app.config();
    let mut store = app.store().lock().await?;
    if retry_undeliverable {
        let requeued = store
            .requeue_failed(&config.city.code, &stamp(app.now()))
            .context(UNREADABLE_OUTBOX)?;
        println!("配送不能だったメール {requeued} 件を送信待ちに戻しました");
    }
    let mailer = app.mailer()?;
    let stats = deliver_once(config, &mut store, mailer, app.clock())
        .await
        .context(UNREADABLE_OUTBOX)?;
    println!(
        "配送: 送信 {} 件、再試行待ち {} 件、配送不能 {} 件",
        stats.sent, stats.retried, stats.failed
    );
    if let Some(pause) = store.delivery_pause(&config.city.code)? {
        bail!(
            "メールの配送を一時停止しています({} から): {}",
            tokyo_time(&pause.paused_at),
            pause.reason
        );
    }
    Ok(())
}
