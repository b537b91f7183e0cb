//! `hakusho send`: delivers the outbox now.

use anyhow::{bail, Context};

use super::print::tokyo_time;
use crate::app::App;
use crate::domain::stamp;
use crate::mail::notices::{remind_now, Reminded};
use crate::mail::outbox::deliver_once;
use crate::mail::resend::{resend, state_label, Resent};
use crate::store::Store;

/// What a store error during delivery means to the operator (the database's own
/// words, often English, follow as the cause).
const UNREADABLE_OUTBOX: &str =
    "送信待ちのメールを扱えませんでした。保存先 (store) が壊れていないか最新の版か (`hakusho migrate`)、保管場所 (paths.archive) が読めるかを確かめてください";

/// Delivers what is due (after requeueing the undeliverable copies when asked). A
/// pass that ends with delivery paused is an error: nothing could be sent.
pub(super) async fn send(
    app: &App,
    retry_undeliverable: bool,
    resend_one: Option<i64>,
) -> anyhow::Result<()> {
    let config = app.config();
    let mut store = app.store().lock().await?;
    if retry_undeliverable {
        let requeued = store
            .requeue_failed(&config.city.code, &stamp(app.now()))
            .context(UNREADABLE_OUTBOX)?;
        println!("配送不能だったメール {requeued} 件を送信待ちに戻しました");
    }
    if let Some(delivery) = resend_one {
        let resent = resend(config, &mut store, delivery, app.now()).context(UNREADABLE_OUTBOX)?;
        say_resent(delivery, resent)?;
    }
    deliver(app, &mut store).await
}

/// What `--resend ID` did; an error when nothing was requeued.
fn say_resent(delivery: i64, resent: Resent) -> anyhow::Result<()> {
    match resent {
        Resent::Requeued => {
            println!("配送不能だったメール (ID {delivery}) を送信待ちに戻しました");
            Ok(())
        }
        Resent::NotFailed(state) => bail!(
            "メール (ID {delivery}) は配送不能ではありません(いまは「{}」)。送信待ちに戻すのは配送不能のメールだけです",
            state_label(state)
        ),
        Resent::Unknown => bail!(
            "この都市にメール (ID {delivery}) はありません。`hakusho status` かページのメール一覧で ID を確かめてください"
        ),
    }
}

/// Sends one department a reminder now, then delivers it.
pub(super) async fn remind(app: &App, department: &str) -> anyhow::Result<()> {
    let config = app.config();
    let mut store = app.store().lock().await?;
    match remind_now(config, &mut store, department, app.now())? {
        Reminded::Queued => println!("{department} に督促のメールを送ります"),
        Reminded::AlreadyToday => {
            println!("{department} には今日すでに督促を送りました。同じ日に二度は送りません");
            return Ok(());
        }
        // Nothing to ask of it, as the page tells it: not a failure of the command.
        accepted @ Reminded::Accepted(_) => {
            println!("{}", accepted.why_not(department));
            return Ok(());
        }
        other => bail!("{}", other.why_not(department)),
    }
    deliver(app, &mut store).await
}

/// Delivers what is due and says how it went.
async fn deliver(app: &App, store: &mut Store) -> anyhow::Result<()> {
    let config = app.config();
    let mailer = app.mailer()?;
    let stats = deliver_once(config, store, mailer, app.clock())
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
