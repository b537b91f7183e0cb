//! The console's actions in a real browser (Debian's Chromium, headless): the planning
//! division sees the send preview after the inbox was taken in, reminds a department,
//! presses 「今すぐ実行」 and sees the run 成功 in the ledger, reads the outbox by state
//! with the delivery pause and resends one undeliverable copy. Screenshots of each
//! page: `target/test-output/browser/console_actions/NN-<step>.png`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::Browser;
use common::portal::{Portal, MITAKA, PLANNING};
use hakusho::store::{Claim, NewMessage};

const CITY: &str = MITAKA.0;

/// Two undeliverable copies in the outbox (the server refused their addresses).
fn undeliverable(portal: &Portal) {
    let mut store = portal.cities[0].store();
    let to = vec![
        "old-address@mitaka.example".to_string(),
        "typo@mitaka.exmaple".to_string(),
    ];
    let message = NewMessage {
        key: "screenshot-failed",
        subject: "【三鷹市】令和2年度 白書の送付（企画部）",
        body: "本文",
        recipients: &to,
        attachments: &[],
    };
    let now = hakusho::domain::stamp(portal.clock.now());
    assert!(store.enqueue_message(CITY, &message, &now).unwrap());
    let later = hakusho::domain::stamp(portal.clock.now() + chrono::Duration::hours(1));
    let claim = Claim {
        token: "shot",
        now: &later,
        lease_until: &later,
    };
    while let Some(copy) = store.claim_next(CITY, 0, claim).unwrap() {
        let error =
            "550 5.1.1 <宛先> Recipient address rejected: User unknown in virtual mailbox table";
        assert!(store.mark_failed(copy.id, "shot", error).unwrap());
    }
}

/// Gives the browser the planning division's session (as a link would).
async fn sign_in_planning(browser: &Browser, portal: &Portal, base: &str) {
    let cookie = hakusho::web::testing::sign_in(portal.app(), PLANNING);
    let params = serde_json::json!({
        "name": hakusho::web::auth::SESSION_COOKIE, "value": cookie,
        "url": format!("{base}/{CITY}/"), "path": format!("/{CITY}/"), "httpOnly": true,
    });
    browser.cdp("Network.setCookie", params).await;
}

#[test]
fn the_planning_division_previews_reminds_runs_and_resends_in_chromium() {
    let portal = Portal::start();
    let ingested = ingest_inbox(&portal);
    assert!(ingested.status.success(), "{ingested:?}");
    let base = format!("http://{}", portal.addr);
    browser::runtime().block_on(async {
        let browser = Browser::start("console_actions").await;
        sign_in_planning(&browser, &portal, &base).await;
        let page = |path: &str| format!("{base}/{CITY}/console{path}");
        browser.client.goto(&page("/preview")).await.unwrap();
        browser.wait_for_text("次の実行で送るメール").await;
        browser.shot("preview").await;
        browser.client.goto(&page("/runs")).await.unwrap();
        browser.wait_for_text("督促を今すぐ送る").await;
        browser.click("section.remind button[type=submit]").await;
        browser.wait_for_text("すでに受理しています").await;
        browser.shot("remind-accepted").await;
        browser.click("section.run-now button[type=submit]").await;
        browser.wait_for_text("年次実行を開始しました").await;
        browser.shot("run-started").await;
        ran(&browser, &base).await;
        undeliverable(&portal);
        outbox(&browser, &portal, &base).await;
        let errors = browser.console_errors().await;
        assert!(errors.is_empty(), "{errors:#?}");
        browser.close().await;
    });
}

/// Reloads the ledger until the run shows 成功.
async fn ran(browser: &Browser, base: &str) {
    for _ in 0..600 {
        browser
            .client
            .goto(&format!("{base}/{CITY}/console/runs"))
            .await
            .unwrap();
        if browser.body_text().await.contains("成功") {
            browser.shot("runs-succeeded").await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("the run never showed 成功: {}", browser.body_text().await);
}

/// The outbox's tabs (with a delivery pause shown), then one copy resent.
async fn outbox(browser: &Browser, portal: &Portal, base: &str) {
    let mut store = portal.cities[0].store();
    let now = hakusho::domain::stamp(portal.clock.now());
    let reason = "SMTP サーバーがログインを拒否しました(535 認証失敗)。[mail.smtp] の利用者名とパスワードを確かめてください";
    store.pause_delivery(CITY, reason, &now).unwrap();
    let url = |state: &str| format!("{base}/{CITY}/console/outbox?state={state}");
    browser.client.goto(&url("sent")).await.unwrap();
    browser.wait_for_text("送信済み").await;
    browser.shot("outbox-sent").await;
    browser.client.goto(&url("failed")).await.unwrap();
    browser.wait_for_text("User unknown").await;
    browser.shot("outbox-failed").await;
    store.resume_delivery(CITY).unwrap();
    browser.click("form.inline button[type=submit]").await;
    browser.wait_for_text("送信待ちに戻しました").await;
    browser.shot("outbox-resent").await;
}

/// `hakusho ingest` of every workbook in the first city's inbox (all accepted).
fn ingest_inbox(portal: &Portal) -> std::process::Output {
    let mut files: Vec<String> = std::fs::read_dir(portal.cities[0].inbox())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    portal.hakusho(&args)
}
