//! The collection's page and a closed year's department page in a real browser
//! (Chromium, headless, through chromedriver): the planning division presses
//! 受付を締め切る and sees the notice and 受付終了; the department's page then says
//! 受付終了 with no upload form; both fit windows of 1280 and 800 px.
//!
//! Screenshots: `target/test-output/browser/collection/NN-<step>.png`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::Browser;
use common::portal::{Portal, DEPARTMENT, MITAKA, PLANNING};

const CITY: &str = MITAKA.0;

/// Signs the browser in as `address` with a session made through the store: the
/// cookie is set on the sign-in page. Returns the base URL.
async fn signed_in_as(browser: &Browser, portal: &Portal, address: &str) -> String {
    let base = format!("http://{}", portal.addr);
    let cookie = hakusho::web::testing::sign_in(portal.app(), address);
    browser
        .client
        .goto(&format!("{base}/{CITY}/signin"))
        .await
        .unwrap();
    let name = hakusho::web::auth::SESSION_COOKIE;
    let set = format!("document.cookie = '{name}={cookie}; path=/{CITY}/'");
    browser.client.execute(&set, vec![]).await.unwrap();
    base
}

/// How far the page is wider than the window, in CSS pixels.
async fn overflow(browser: &Browser) -> i64 {
    let script = "return document.documentElement.scrollWidth - window.innerWidth";
    let value = browser.client.execute(script, vec![]).await.unwrap();
    value.as_i64().unwrap_or(0)
}

/// Opens `path` at both widths, keeps a screenshot of each; the widths it overflowed.
async fn look(browser: &Browser, base: &str, path: &str, step: &str) -> Vec<String> {
    let mut wide = Vec::new();
    for width in [1280, 800] {
        browser.client.set_window_size(width, 900).await.unwrap();
        browser.client.goto(&format!("{base}{path}")).await.unwrap();
        browser.wait_for("main").await;
        browser.shot(&format!("{step}-{width}")).await;
        let over = overflow(browser).await;
        if over > 0 {
            wide.push(format!("{path} at {width}px: {over}px wider"));
        }
    }
    wide
}

#[test]
fn the_planning_division_closes_a_year_and_the_department_page_says_so() {
    let portal = Portal::start();
    browser::runtime().block_on(async {
        let browser = Browser::start("collection").await;
        let base = signed_in_as(&browser, &portal, PLANNING).await;
        let page = format!("/{CITY}/console/collection");
        let mut wide = look(&browser, &base, &page, "collection-open").await;
        browser.client.set_window_size(1280, 900).await.unwrap();
        browser.click("form.collection button[type=submit]").await;
        let text = browser.wait_for_text("受付を締め切りました").await;
        browser.shot("collection-notice").await;
        assert!(
            text.contains("受付終了") && text.contains("受付を再開する"),
            "{text}"
        );
        wide.extend(look(&browser, &base, &page, "collection-closed").await);
        signed_in_as(&browser, &portal, DEPARTMENT).await;
        let department = format!("/{CITY}/department");
        wide.extend(look(&browser, &base, &department, "department-closed").await);
        let text = browser.body_text().await;
        assert!(text.contains("提出の受付は終了しました"), "{text}");
        let forms = browser
            .client
            .find_all(fantoccini::Locator::Css("input[type=file]"))
            .await
            .unwrap();
        assert!(forms.is_empty(), "no upload form on a closed year's page");
        browser.close().await;
        assert!(wide.is_empty(), "{wide:#?}");
    });
}
