//! The department portal in a real browser (Debian's Chromium through chromedriver).
//! Screenshots of every step: `target/test-output/browser/<test>/`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use axum::response::{Html, IntoResponse};
use browser::Browser;

/// A page in Japanese with a link to a file served as an attachment.
async fn harness_page() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>試験</title>\
         <h1>企画部の提出状況</h1><p>締切まで あと 3 日（令和3年5月31日）</p>\
         <a id=\"get\" href=\"/file\">ひな形をダウンロード</a></html>",
    )
}

/// The attachment: a name in Japanese, percent-encoded as RFC 6266 says.
async fn harness_file() -> impl IntoResponse {
    (
        [
            ("content-type", "application/octet-stream"),
            (
                "content-disposition",
                "attachment; filename=\"template.bin\"; filename*=UTF-8''%E4%BC%81%E7%94%BB%E9%83%A8.bin",
            ),
        ],
        b"hakusho".to_vec(),
    )
}

/// The harness itself: Chromium starts without a network, renders Japanese, takes
/// screenshots, and saves a download where the test finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_shows_pages_and_saves_downloads() {
    let app = axum::Router::new()
        .route("/", axum::routing::get(harness_page))
        .route("/file", axum::routing::get(harness_file));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let browser = Browser::start("harness").await;
    browser
        .client
        .goto(&format!("http://{address}/"))
        .await
        .unwrap();
    assert!(browser.body_text().await.contains("締切まで あと 3 日"));
    let shot = browser.shot("page").await;
    assert!(std::fs::read(&shot).unwrap().starts_with(b"\x89PNG"));
    browser
        .client
        .find(fantoccini::Locator::Id("get"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let file = browser.downloaded(".bin").await;
    assert_eq!(file.file_name().unwrap(), "企画部.bin");
    assert_eq!(std::fs::read(&file).unwrap(), b"hakusho");
    assert!(!browser.dialog_is_open().await);
    browser.close().await;
}
