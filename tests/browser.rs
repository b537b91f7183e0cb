//! The department portal in a real browser: Debian's Chromium, headless, through
//! chromedriver. A clerk asks for a link, reads it from the mail the loopback SMTP
//! server received, signs in, uploads a workbook with mistakes through the file
//! field, sees each finding with its cell, downloads the annotated copy, drops the
//! corrected workbook on the form (drag and drop) and sees 受理, signs out, and Back
//! does not bring the page again. The same without JavaScript; the real `hakusho
//! serve` daemon; a file over the limit (the Japanese 413 page, not a broken
//! connection); long names and texts within windows of 1280 and 800 px; the planning
//! division's console and a manager's overview.
//!
//! Every step's screenshot: `target/test-output/browser/<test>/NN-<step>.png`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use axum::response::{Html, IntoResponse};
use base64::Engine as _;
use browser::Browser;
use calamine::Reader as _;
use common::grid::Grid;
use common::portal::{Portal, DEPARTMENT, MITAKA};
use common::{jst, repo};

const CITY: &str = MITAKA.0;

/// 企画部's sample workbook with two mistakes: a text where a number belongs (J2) and a
/// plan figure changed (L3).
fn with_mistakes() -> Vec<u8> {
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("目標指標", "J2", "未定")
        .text("目標指標", "L3", "350人");
    grid.to_xlsx()
}

/// 企画部's sample workbook as the clerk corrects it: the sample itself, with the
/// note its one warning asks for (J9's figure fell by more than half).
fn corrected() -> Vec<u8> {
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("目標指標", "N9", "令和元年度から集計の対象を見直したため");
    grid.to_xlsx()
}

/// The portal three days before the sample's deadline (2021-04-09).
fn portal() -> Portal {
    let portal = Portal::start();
    portal.clock.set(jst(2021, 4, 6, 10, 0, 0));
    portal
}

#[test]
fn a_clerk_signs_in_uploads_sees_the_cells_downloads_the_copy_and_gets_accepted() {
    let portal = portal();
    let base = format!("http://{}", portal.addr);
    browser::runtime().block_on(async {
        let browser = Browser::start("clerk_flow").await;
        sign_in(&browser, &portal, &base).await;
        upload_with_mistakes(&browser).await;
        download_the_annotated_copy(&browser).await;
        drop_the_corrected_workbook(&browser).await;
        sign_out_and_go_back(&browser).await;
        // Not even a missing icon: the pages name theirs (/assets/favicon.svg).
        let errors = browser.console_errors().await;
        assert!(
            errors.is_empty(),
            "no script error, nothing the CSP refused: {errors:#?}"
        );
        browser.close().await;
    });
}

/// The sign-in page, the link asked for, the mail's link opened, its button pressed.
async fn sign_in(browser: &Browser, portal: &Portal, base: &str) {
    browser
        .client
        .goto(&format!("{base}/{CITY}/"))
        .await
        .unwrap();
    let address = browser.wait_for("#address").await;
    assert_eq!(browser.path().await, format!("/{CITY}/signin"));
    browser.shot("signin-form").await;
    address.send_keys(DEPARTMENT).await.unwrap();
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("登録されていれば").await;
    browser.shot("link-requested").await;
    let (to, link) = portal.links(1).pop().unwrap();
    assert_eq!(to, DEPARTMENT);
    browser.client.goto(&format!("{base}{link}")).await.unwrap();
    browser.wait_for("form button[type=submit]").await;
    browser.shot("confirm").await;
    browser.click("form button[type=submit]").await;
    browser.wait_for("form.dropzone").await;
    assert_eq!(browser.path().await, format!("/{CITY}/department"));
    let page = browser.body_text().await;
    for expected in ["企画部", "締切まであと 3 日", "未提出", DEPARTMENT] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    browser.shot("department").await;
    session_cookie_as_chromium_keeps_it(browser).await;
}

/// The session cookie as Chromium stored it: HttpOnly (no script reads it),
/// SameSite=Strict, only under the city's path, not Secure on plain http.
async fn session_cookie_as_chromium_keeps_it(browser: &Browser) {
    let name = hakusho::web::auth::SESSION_COOKIE;
    let all = browser
        .cdp("Network.getAllCookies", serde_json::json!({}))
        .await;
    let cookies = all["cookies"].as_array().unwrap();
    let session = cookies
        .iter()
        .find(|c| c["name"] == name)
        .expect("the session cookie");
    assert_eq!(session["httpOnly"], true, "{session}");
    assert_eq!(session["sameSite"], "Strict", "{session}");
    assert_eq!(session["path"], format!("/{CITY}/"), "{session}");
    assert_eq!(session["secure"], false, "{session}");
    let seen = browser
        .client
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert!(!seen.as_str().unwrap().contains(name), "{seen}");
}

/// The workbook with mistakes chosen in the file field and sent: the answer page
/// lists each finding with its sheet and cell.
async fn upload_with_mistakes(browser: &Browser) {
    let file = browser.output.join("企画部_修正前.xlsx");
    std::fs::write(&file, with_mistakes()).unwrap();
    let field = browser.wait_for("#file").await;
    field.send_keys(&file.display().to_string()).await.unwrap();
    browser.shot("file-chosen").await;
    browser.click("form.dropzone button[type=submit]").await;
    browser.wait_for("section.verdict").await;
    assert!(browser
        .path()
        .await
        .starts_with(&format!("/{CITY}/submissions/")));
    let took = browser.navigation_ms().await;
    println!("upload with mistakes → answer page: {took:.0} ms (Chromium's navigation timing)");
    let verdict = browser
        .wait_for("section.verdict")
        .await
        .text()
        .await
        .unwrap();
    assert!(verdict.contains("差戻し"), "{verdict}");
    let rows = finding_rows(browser).await;
    for expected in [
        ["目標指標", "J2", "数値を期待しましたが「未定」でした"],
        [
            "目標指標",
            "L3",
            "計画の値「300人」が「350人」に変わっています",
        ],
    ] {
        assert!(
            rows.iter()
                .any(|r| r[1..3] == expected[..2] && r[3].starts_with(expected[2])),
            "{expected:?} in {rows:?}"
        );
    }
    browser.shot("findings").await;
}

/// The findings table's rows, each cell's text.
async fn finding_rows(browser: &Browser) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let found = browser
        .client
        .find_all(fantoccini::Locator::Css("section.findings tbody tr"));
    for row in found.await.unwrap() {
        let mut cells = Vec::new();
        for cell in row.find_all(fantoccini::Locator::Css("td")).await.unwrap() {
            cells.push(cell.text().await.unwrap());
        }
        rows.push(cells);
    }
    rows
}

/// The annotated copy's link: the file lands in the download folder, and calamine
/// reads it, the department's value kept where it was.
async fn download_the_annotated_copy(browser: &Browser) {
    browser.click("a.download").await;
    let file = browser.downloaded("_要修正.xlsx").await;
    assert_eq!(file.file_name().unwrap(), "企画部_修正前_要修正.xlsx");
    let mut workbook = calamine::open_workbook_auto(&file).unwrap();
    let sheet = workbook.worksheet_range("目標指標").unwrap();
    assert_eq!(
        sheet.get_value((1, 9)),
        Some(&calamine::Data::String("未定".into()))
    );
    browser.shot("annotated-downloaded").await;
}

/// Back to the department page; the corrected workbook dropped on the form (a
/// synthetic drag and drop: Chromium's WebDriver cannot drag a file from the desktop)
/// sends it; the answer is 受理 and the history lists both versions.
async fn drop_the_corrected_workbook(browser: &Browser) {
    browser.click("main a[href$='/department']").await;
    browser.wait_for("form.dropzone").await;
    two_files_dropped_are_refused_with_a_message(browser).await;
    drag_over(browser, &corrected(), "令和2年度_企画部.xlsx").await;
    let over = browser.wait_for("form.dropzone.over").await;
    assert!(over.is_displayed().await.unwrap());
    let hint = browser.wait_for("form.dropzone .drop-hint").await;
    assert!(
        hint.is_displayed().await.unwrap(),
        "the drop hint shows with JavaScript"
    );
    browser.shot("dragging-over").await;
    drop_on_form(browser).await;
    browser.wait_for("section.verdict").await;
    let badge = browser.wait_for("section.verdict .badge").await;
    let took = browser.navigation_ms().await;
    println!(
        "corrected upload (dropped) → answer page: {took:.0} ms (Chromium's navigation timing)"
    );
    assert_eq!(badge.text().await.unwrap(), "受理");
    let page = browser.body_text().await;
    assert!(page.contains("誤りは見つかりませんでした"), "{page}");
    browser.shot("accepted").await;
    browser.click("main a[href$='/department']").await;
    browser.wait_for("form.dropzone").await;
    let page = browser.body_text().await;
    assert!(
        page.contains("企画部_修正前.xlsx") && page.contains("令和2年度_企画部.xlsx"),
        "{page}"
    );
    browser.shot("history").await;
}

/// The header's sign-out button; then the browser's Back button must not show the
/// department's page again (a shared computer in a city office): it is not kept.
async fn sign_out_and_go_back(browser: &Browser) {
    browser.click("header form.signout button").await;
    browser.wait_for("#address").await;
    assert_eq!(browser.path().await, format!("/{CITY}/signin"));
    browser.shot("signed-out").await;
    browser.client.back().await.unwrap();
    browser.wait_for("main").await;
    let page = browser.body_text().await;
    browser.shot("back-after-sign-out").await;
    assert!(
        !page.contains("提出の履歴") && !page.contains(DEPARTMENT),
        "{page}"
    );
}

/// Builds a file in the page from the bytes and sends `dragenter` and `dragover` with
/// it to the upload form, as a drag from the desktop does. The file is kept in
/// `window.dropped` for the drop.
async fn drag_over(browser: &Browser, bytes: &[u8], name: &str) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let script = r#"
        const [encoded, name] = arguments;
        const bytes = Uint8Array.from(atob(encoded), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name));
        window.dropped = transfer;
        const form = document.querySelector("form.dropzone");
        for (const type of ["dragenter", "dragover"]) {
            form.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
        }
    "#;
    let args = vec![encoded.into(), name.into()];
    browser.client.execute(script, args).await.unwrap();
}

/// Two files dropped at once: nothing is sent, and the form says why (in its own
/// element, filled by upload.js under the page's CSP).
async fn two_files_dropped_are_refused_with_a_message(browser: &Browser) {
    let error = browser.wait_for("form.dropzone .drop-error").await;
    assert!(
        !error.is_displayed().await.unwrap(),
        "no message before a drop"
    );
    let script = r#"
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array([1])], "一つ目.xlsx"));
        transfer.items.add(new File([new Uint8Array([2])], "二つ目.xlsx"));
        const form = document.querySelector("form.dropzone");
        form.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: transfer}));
    "#;
    browser.client.execute(script, vec![]).await.unwrap();
    assert!(error.is_displayed().await.unwrap(), "the message shows");
    let text = error.text().await.unwrap();
    assert!(
        text.contains("ブックは1つずつドロップしてください"),
        "{text}"
    );
    let url = browser.client.current_url().await.unwrap();
    assert!(url.path().ends_with("/department"), "nothing sent: {url}");
    browser.shot("two-files-dropped").await;
}

/// Drops the file of [`drag_over`] on the form.
async fn drop_on_form(browser: &Browser) {
    let script = r#"
        const form = document.querySelector("form.dropzone");
        form.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: window.dropped}));
    "#;
    browser.client.execute(script, vec![]).await.unwrap();
}

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
    browser.click("#get").await;
    let file = browser.downloaded(".bin").await;
    assert_eq!(file.file_name().unwrap(), "企画部.bin");
    assert_eq!(std::fs::read(&file).unwrap(), b"hakusho");
    assert!(!browser.dialog_is_open().await);
    // The console is read: a page's own error shows there.
    browser
        .client
        .execute("console.error('試験のエラー')", vec![])
        .await
        .unwrap();
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().any(|e| e.contains("試験のエラー")),
        "{errors:?}"
    );
    browser.close().await;
}

/// Signs the browser in as `address` with a session made through the store (the
/// whole sign-in has its own test above): the cookie is set on the sign-in page.
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

#[test]
fn a_file_over_the_limit_gets_the_japanese_413_page_not_a_broken_connection() {
    let portal = portal();
    browser::runtime().block_on(async {
        let browser = Browser::start("over_the_limit").await;
        let base = signed_in_as(&browser, &portal, DEPARTMENT).await;
        browser
            .client
            .goto(&format!("{base}/{CITY}/department"))
            .await
            .unwrap();
        let file = browser.output.join("大きすぎる.xlsx");
        let limit = hakusho::intake::MAX_FILE_BYTES as usize;
        std::fs::write(&file, vec![b'x'; limit + 1]).unwrap();
        let field = browser.wait_for("#file").await;
        field.send_keys(&file.display().to_string()).await.unwrap();
        browser.click("form.dropzone button[type=submit]").await;
        // Not `main`: the department page's own is there until the answer replaces it.
        let text = browser.wait_for_text("20 MB まで").await;
        browser.shot("refused").await;
        assert!(text.contains("受け付けられるファイルは"), "{text}");
        std::fs::remove_file(&file).unwrap();
        browser.close().await;
    });
    let submissions = portal.cities[0]
        .raw_store()
        .count("SELECT COUNT(*) FROM submissions");
    assert_eq!(submissions, 0);
}

/// Uploads a workbook through the portal's form over plain HTTP, as `address`.
fn upload_over_http(portal: &Portal, address: &str, name: &str, bytes: &[u8]) {
    let mut http = portal.http();
    let cookie = hakusho::web::testing::sign_in(portal.app(), address);
    let csrf = hakusho::web::testing::csrf_of(portal.app(), &cookie);
    http.set_cookie(
        &format!("/{CITY}/"),
        hakusho::web::auth::SESSION_COOKIE,
        &cookie,
    );
    let files = [("file", name, bytes)];
    let reply = http.post_multipart(&format!("/{CITY}/upload"), &[("csrf", &csrf)], &files);
    assert_eq!(reply.status, 303, "{}", reply.text());
}

/// How far the page is wider than the window, in CSS pixels (0 or less: no sideways
/// scroll; a vertical scroll bar makes it negative).
async fn overflow(browser: &Browser) -> i64 {
    let script = "return document.documentElement.scrollWidth - window.innerWidth";
    let value = browser.client.execute(script, vec![]).await.unwrap();
    value.as_i64().unwrap_or(0)
}

#[test]
fn long_names_and_texts_fit_the_window_without_scrolling_sideways() {
    let portal = portal();
    let long_name = format!("{}.xlsx", "令和2年度企画部提出用ブック最終版".repeat(12));
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("目標指標", "J2", &"https://example.jp/".repeat(12));
    upload_over_http(&portal, DEPARTMENT, &long_name, &grid.to_xlsx());
    browser::runtime().block_on(async {
        let browser = Browser::start("long_names").await;
        let base = signed_in_as(&browser, &portal, DEPARTMENT).await;
        let mut wide = Vec::new();
        for width in [1280, 800] {
            browser.client.set_window_size(width, 900).await.unwrap();
            for (step, path) in [
                ("department", "department"),
                ("submission", "submissions/1"),
            ] {
                browser
                    .client
                    .goto(&format!("{base}/{CITY}/{path}"))
                    .await
                    .unwrap();
                browser.wait_for("main").await;
                browser.shot(&format!("{step}-{width}")).await;
                let over = overflow(&browser).await;
                if over > 0 {
                    wide.push(format!("{path} at {width}px: {over}px wider"));
                }
            }
        }
        browser.close().await;
        assert!(wide.is_empty(), "{wide:#?}");
    });
}

#[test]
fn the_planning_division_in_its_console_and_a_manager_see_every_department() {
    let portal = portal();
    upload_over_http(&portal, DEPARTMENT, "企画部_修正前.xlsx", &with_mistakes());
    browser::runtime().block_on(async {
        let browser = Browser::start("overview").await;
        // The planning division lands on its console (the states table among others),
        // a manager on the summary (issue 15).
        for (who, address, home, table) in [
            (
                "planning",
                common::portal::PLANNING,
                "console",
                "main section.states",
            ),
            // The summary's first table is the states' (the indicators' are in a div).
            (
                "manager",
                common::portal::MANAGER,
                "summary",
                "main > table",
            ),
        ] {
            let base = signed_in_as(&browser, &portal, address).await;
            browser
                .client
                .goto(&format!("{base}/{CITY}/"))
                .await
                .unwrap();
            browser.wait_for("main table").await;
            assert_eq!(browser.path().await, format!("/{CITY}/{home}"));
            let css = format!("{table} tbody tr");
            let rows = browser.client.find_all(fantoccini::Locator::Css(&css));
            assert_eq!(rows.await.unwrap().len(), common::DEPARTMENTS.len());
            let page = browser.body_text().await;
            assert!(page.contains("差戻し") && page.contains("未提出"), "{page}");
            assert!(
                overflow(&browser).await <= 0,
                "{who}: wider than the window"
            );
            assert!(page.contains(address), "{who}: {page}");
            browser.shot(who).await;
            browser
                .client
                .goto(&format!("{base}/{CITY}/department"))
                .await
                .unwrap();
            browser.wait_for("main").await;
            let refused = browser.body_text().await;
            assert!(
                refused.contains("一覧のページをお使いください"),
                "{who}: {refused}"
            );
            browser.shot(&format!("{who}-on-department")).await;
        }
        browser.close().await;
    });
}

/// `hakusho serve` on a test city (its portal on a free port, its mail to the sink);
/// killed on drop. The portal's address is read from its log.
struct Daemon {
    child: std::process::Child,
    addr: String,
}

impl Daemon {
    fn start(city: &common::TestCity) -> Daemon {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hakusho"))
            .args(["serve", "--config"])
            .arg(city.config_path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let (found, address) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let marker = "ページを開きました: http://";
            for line in stderr.lines().map_while(Result::ok) {
                if let Some(at) = line.find(marker) {
                    let rest = &line[at + marker.len()..];
                    let _ = found.send(rest.split('/').next().unwrap().to_string());
                }
            }
        });
        let addr = address
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("serve told where the portal listens");
        Daemon { child, addr }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The link of the sign-in mail, moved from the configured base URL to where the
/// daemon really listens.
fn link_of(mail: &[u8], addr: &str) -> String {
    let message = mail_parser::MessageParser::default().parse(mail).unwrap();
    let body = message.body_text(0).unwrap().to_string();
    let line = body.lines().map(str::trim).find(|l| l.contains("/signin/"));
    let link = line.unwrap_or_else(|| panic!("no link in {body}"));
    link.replace("http://127.0.0.1:8080", &format!("http://{addr}"))
}

#[test]
fn the_real_daemon_serves_the_clerk_in_chromium_as_the_readme_says() {
    let sink = common::SmtpSink::start();
    let city = common::TestCity::new(Some(sink.port));
    for file in std::fs::read_dir(city.inbox()).unwrap() {
        std::fs::remove_file(file.unwrap().path()).unwrap();
    }
    let daemon = Daemon::start(&city);
    browser::runtime().block_on(async {
        let browser = Browser::start("daemon").await;
        browser
            .client
            .goto(&format!("http://{}/", daemon.addr))
            .await
            .unwrap();
        browser
            .wait_for("#address")
            .await
            .send_keys(DEPARTMENT)
            .await
            .unwrap();
        browser.click("form button[type=submit]").await;
        browser.wait_for("main").await;
        let mail = sink.wait_for(1);
        assert_eq!(mail.len(), 1, "serve's delivery worker sent the link");
        browser
            .client
            .goto(&link_of(&mail[0].1, &daemon.addr))
            .await
            .unwrap();
        browser.click("form button[type=submit]").await;
        browser.wait_for("form.dropzone").await;
        browser.shot("department").await;
        upload_with_mistakes(&browser).await;
        let receipt = sink.wait_for(2);
        assert_eq!(receipt.len(), 2, "the receipt, as for the inbox");
        browser.close().await;
    });
}

#[test]
fn without_javascript_a_clerk_still_signs_in_uploads_and_downloads() {
    let portal = portal();
    let base = format!("http://{}", portal.addr);
    browser::runtime().block_on(async {
        let browser = Browser::start_without_javascript("without_javascript").await;
        sign_in(&browser, &portal, &base).await;
        drag_over(&browser, &corrected(), "令和2年度_企画部.xlsx").await;
        let over = browser
            .client
            .find(fantoccini::Locator::Css("form.dropzone.over"))
            .await;
        assert!(over.is_err(), "the page's script ran: JavaScript is on");
        let hint = browser.wait_for("form.dropzone .drop-hint").await;
        assert!(
            !hint.is_displayed().await.unwrap(),
            "without JavaScript no drop is promised"
        );
        upload_with_mistakes(&browser).await;
        download_the_annotated_copy(&browser).await;
        browser.close().await;
    });
}
