//! The planning division's console and the managers' page in a real browser (Debian's
//! Chromium, headless, through chromedriver), as issue 15 asks:
//!
//! - the planner (企画経営課) signs in through the mailed link, sees 企画部 未提出 in the
//!   year's table; 企画部's clerk uploads the corrected workbook; the planner reloads and
//!   sees 受理, opens the submission through its link, presses 「今すぐ実行」 and waits
//!   for 成功 in the ledger, downloads the white paper from the reports' tab (a PDF
//!   whose text has its title), rebuilds the year after 企画部 sent a new version and
//!   reads what changed, and visits every other tab of the console (each also at 800 px);
//! - a manager signs in the same way, lands on the summary (each chart's SVG loaded),
//!   downloads the white paper there, and every console address the planner's pages
//!   link to or post to answers 403 (the posts sent with a form built in the page and
//!   the manager's own CSRF token), every submission's address 403 or 404, and no page
//!   it can open names a department's unfinished submission.
//!
//! Screenshots: `target/test-output/browser/console_planner/NN-<step>.png` and
//! `…/console_manager/…`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::collections::BTreeSet;

use browser::Browser;
use common::grid::Grid;
use common::http::Http;
use common::portal::{Portal, DEPARTMENT, MITAKA, OTHER_DEPARTMENT, PLANNING};
use common::{jst, repo};
use serde_json::json;

const CITY: &str = MITAKA.0;
/// A manager of the sample (`[managers] recipients`).
const MANAGER: &str = "kikaku-kacho@mitaka.example";
/// The file name of 総務部's workbook with a mistake, sent after the run: the managers
/// must never read it.
const UNFINISHED: &str = "総務部_未完成_内部資料.xlsx";

/// What the planner's pages link to and post to under `/{city}/console`, for the
/// manager to try.
#[derive(Default)]
struct Seen {
    /// Every `href` of the console (without its `#anchor`).
    links: BTreeSet<String>,
    /// Every form posting to the console: its action and its fields but the token.
    forms: BTreeSet<(String, Vec<(String, String)>)>,
}

/// The sample's workbook of a department, with cells of 目標指標 changed.
fn workbook(department: &str, cells: &[(&str, &str)]) -> Vec<u8> {
    let path = repo().join(format!("data/inbox/令和2年度_{department}.xlsx"));
    let mut grid = Grid::read(&path);
    for (cell, text) in cells {
        grid.text("目標指標", cell, text);
    }
    grid.to_xlsx()
}

/// 企画部's sample with the note its one warning asks for (J9 fell by half): 受理.
fn corrected() -> Vec<u8> {
    workbook(
        "企画部",
        &[("N9", "令和元年度から集計の対象を見直したため")],
    )
}

/// A clerk's upload over plain HTTP (the department's own session and token).
fn upload_over_http(portal: &Portal, address: &str, name: &str, bytes: &[u8]) {
    let mut http = signed_http(portal, address);
    let cookie = http.cookie(hakusho::web::auth::SESSION_COOKIE).unwrap();
    let csrf = hakusho::web::testing::csrf_of(portal.app(), &cookie);
    let files = [("file", name, bytes)];
    let reply = http.post_multipart(&format!("/{CITY}/upload"), &[("csrf", &csrf)], &files);
    assert_eq!(reply.status, 303, "{}", reply.text());
}

/// A plain HTTP client holding a session of `address`.
fn signed_http(portal: &Portal, address: &str) -> Http {
    let mut http = portal.http();
    let cookie = hakusho::web::testing::sign_in(portal.app(), address);
    let name = hakusho::web::auth::SESSION_COOKIE;
    http.set_cookie(&format!("/{CITY}/"), name, &cookie);
    http
}

/// The portal three days before the sample's deadline, 企画部's own workbook taken
/// out of the inbox (its clerk uploads it through the page).
fn portal() -> Portal {
    let portal = Portal::start();
    portal.clock.set(jst(2021, 4, 6, 10, 0, 0));
    std::fs::remove_file(portal.cities[0].inbox().join("令和2年度_企画部.xlsx")).unwrap();
    portal
}

#[test]
fn the_planner_runs_the_year_and_a_manager_reads_the_summary_but_reaches_no_action() {
    let portal = portal();
    let base = format!("http://{}", portal.addr);
    let seen = browser::runtime().block_on(planner(&portal, &base));
    upload_over_http(&portal, OTHER_DEPARTMENT, UNFINISHED, &with_mistake());
    let console = signed_http(&portal, PLANNING).get(&format!("/{CITY}/console"));
    assert!(
        console.text().contains(UNFINISHED),
        "the planner sees the unfinished file: the manager's check below can fail"
    );
    // Read before the browser's runtime: the PostgreSQL client blocks.
    let ids = portal.cities[0]
        .raw_store()
        .integers("SELECT id FROM submissions ORDER BY id", &[]);
    browser::runtime().block_on(manager(&portal, &base, &seen, &ids));
}

/// 総務部's sample with a text where a number belongs: 差戻し.
fn with_mistake() -> Vec<u8> {
    workbook("総務部", &[("J2", "未定")])
}

/// The planner's whole visit; what its pages link and post to.
async fn planner(portal: &Portal, base: &str) -> Seen {
    let browser = Browser::start("console_planner").await;
    let mut seen = Seen::default();
    sign_in_by_mail(&browser, portal, base, PLANNING).await;
    assert_eq!(browser.path().await, format!("/{CITY}/console"));
    assert_eq!(state_of(&browser, "企画部").await, "未提出");
    browser.shot("year-not-submitted").await;
    upload_over_http(portal, DEPARTMENT, "令和2年度_企画部.xlsx", &corrected());
    browser.client.refresh().await.unwrap();
    browser.wait_for_text("受理").await;
    assert_eq!(state_of(&browser, "企画部").await, "受理");
    browser.shot("year-accepted").await;
    browser.shot_window("year-accepted-window").await;
    collect(&browser, &mut seen).await;
    open_the_submission(&browser, &mut seen).await;
    let preview = format!("{base}/{CITY}/console/preview");
    browser.client.goto(&preview).await.unwrap();
    browser.wait_for_text("次の実行で送るメール").await;
    browser.shot("preview-before-run").await;
    run_now(&browser, base, &mut seen).await;
    reports(&browser, portal, base, &mut seen).await;
    summary_as_planner(&browser, base).await;
    every_tab(&browser, base, &mut seen).await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "{errors:#?}");
    keep_what_opens(&browser, &mut seen).await;
    browser.close().await;
    seen
}

/// Keeps the links that open for the planner (200): the manager must get 403 for
/// exactly these. Any other is printed (a tab of a slice not merged yet is 404).
async fn keep_what_opens(browser: &Browser, seen: &mut Seen) {
    let mut open = BTreeSet::new();
    for link in &seen.links {
        match fetched(browser, link).await {
            200 => drop(open.insert(link.clone())),
            status => println!("the planner's own link {link} answers {status}"),
        }
    }
    seen.links = open;
}

/// The sign-in page, the address typed, the mailed link opened and its button pressed.
async fn sign_in_by_mail(browser: &Browser, portal: &Portal, base: &str, address: &str) {
    let signin = format!("{base}/{CITY}/");
    browser.client.goto(&signin).await.unwrap();
    let field = browser.wait_for("#address").await;
    field.send_keys(address).await.unwrap();
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("登録されていれば").await;
    let link = mailed_link(portal, address).await;
    browser.client.goto(&format!("{base}{link}")).await.unwrap();
    browser.click("form button[type=submit]").await;
    browser.wait_for("main").await;
    browser.wait_for_text(address).await;
}

/// The path of the sign-in link mailed to `address` (`/132047/signin/…`), once the
/// sink has it: other mail (receipts, the run's) arrives at the sink too.
async fn mailed_link(portal: &Portal, address: &str) -> String {
    let marker = format!("/{CITY}/signin/");
    for _ in 0..400 {
        for (to, raw) in portal.sink.wait_for(0) {
            let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
            let body = message.body_text(0).unwrap_or_default().to_string();
            let line = body.lines().find(|l| l.contains(&marker));
            if let (true, Some(line)) = (to.iter().any(|t| t == address), line) {
                return line.trim()[line.trim().find(&marker).unwrap()..].to_string();
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no sign-in mail to {address}");
}

/// The state word in a department's row of the year's table.
async fn state_of(browser: &Browser, department: &str) -> String {
    let script = r#"
        const row = [...document.querySelectorAll("section.states tbody tr")]
            .find(r => r.cells[0].textContent.trim() === arguments[0]);
        return row ? row.cells[1].textContent.trim() : "(no row)";
    "#;
    let value = browser
        .client
        .execute(script, vec![json!(department)])
        .await
        .unwrap();
    value.as_str().unwrap().to_string()
}

/// Adds the console links and forms of the page shown to `seen`.
async fn collect(browser: &Browser, seen: &mut Seen) {
    let script = r##"
        const console = "/" + arguments[0] + "/console";
        const links = [...document.querySelectorAll("a[href]")]
            .map(a => a.getAttribute("href").split("#")[0])
            .filter(h => h === console || h.startsWith(console + "/") || h.startsWith(console + "?"));
        const forms = [...document.querySelectorAll("form[method=post]")]
            .filter(f => f.getAttribute("action").startsWith(console))
            .map(f => [f.getAttribute("action"),
                       [...new FormData(f)].filter(([n]) => n !== "csrf")]);
        return {links, forms};
    "##;
    let found = browser
        .client
        .execute(script, vec![json!(CITY)])
        .await
        .unwrap();
    for link in found["links"].as_array().unwrap() {
        seen.links.insert(link.as_str().unwrap().to_string());
    }
    for form in found["forms"].as_array().unwrap() {
        let fields = form[1].as_array().unwrap().iter().map(|pair| {
            let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            (text(&pair[0]), text(&pair[1]))
        });
        let action = form[0].as_str().unwrap().to_string();
        seen.forms.insert((action, fields.collect()));
    }
}

/// The link of 企画部's row to its submission: the submission page, its verdict.
async fn open_the_submission(browser: &Browser, seen: &mut Seen) {
    let script = r#"
        const row = [...document.querySelectorAll("section.states tbody tr")]
            .find(r => r.cells[0].textContent.trim() === "企画部");
        row.querySelector("a[href*='/console/submissions/']").click();
    "#;
    browser.client.execute(script, vec![]).await.unwrap();
    browser.wait_for("section.verdict").await;
    assert!(browser
        .path()
        .await
        .starts_with(&format!("/{CITY}/console/submissions/")));
    let text = browser.body_text().await;
    assert!(text.contains("受理") && text.contains("企画部"), "{text}");
    collect(browser, seen).await;
    browser.shot("submission").await;
}

/// 「今すぐ実行」 on the runs page: the notice (and the run 実行中 when the page came
/// before its end), then the ledger reloaded until the run shows 成功.
async fn run_now(browser: &Browser, base: &str, seen: &mut Seen) {
    let runs = format!("{base}/{CITY}/console/runs");
    browser.client.goto(&runs).await.unwrap();
    browser.wait_for("section.run-now").await;
    collect(browser, seen).await;
    browser.click("section.run-now button[type=submit]").await;
    let text = browser.wait_for_text("年次実行を開始しました").await;
    println!(
        "right after 「今すぐ実行」 the ledger says 実行中: {}",
        text.contains("実行中")
    );
    browser.shot("run-started").await;
    browser.reload_until(&runs, "成功").await;
    browser.shot("run-succeeded").await;
}

/// Downloads the white paper from the page shown's download links: a PDF whose text
/// has the white paper's title.
async fn download_white_paper(browser: &Browser) {
    browser
        .click("a.download[href$='%E7%99%BD%E6%9B%B8%2Epdf'], a.download[href$='白書.pdf']")
        .await;
    let file = browser.downloaded("_自治体経営白書.pdf").await;
    assert!(std::fs::read(&file).unwrap().starts_with(b"%PDF-"));
    let text = common::pdf_text_compact(&file);
    assert!(
        text.contains(&common::compact("三鷹市自治体経営白書 2021")),
        "{}",
        &text[..text.len().min(400)]
    );
    std::fs::remove_file(&file).unwrap();
}

/// The reports' tab: the white paper downloaded from it; then 企画部 sends a new
/// version and the year is rebuilt (「再作成」): the result page, once the build in
/// the background ended, names 企画部 among what changed.
async fn reports(browser: &Browser, portal: &Portal, base: &str, seen: &mut Seen) {
    let list = format!("{base}/{CITY}/console/reports");
    browser.client.goto(&list).await.unwrap();
    browser.wait_for("section.report-year a.download").await;
    collect(browser, seen).await;
    browser.shot("reports").await;
    download_white_paper(browser).await;
    let note = [("N9", "集計の対象を見直したため(再提出)")];
    upload_over_http(
        portal,
        DEPARTMENT,
        "令和2年度_企画部_再提出.xlsx",
        &workbook("企画部", &note),
    );
    browser
        .click("section.report-year form button[type=submit]")
        .await;
    let rebuild = format!("{base}/{CITY}/console/reports/2020/rebuild");
    browser.wait_for("main").await;
    assert_eq!(
        browser.path().await,
        format!("/{CITY}/console/reports/2020/rebuild")
    );
    browser.shot("rebuild-started").await;
    let text = browser.reload_until(&rebuild, "作成し直しました").await;
    assert!(text.contains("提出の変わった部: 企画部"), "{text}");
    collect(browser, seen).await;
    browser.shot("rebuild-result").await;
    browser.shot_window("rebuild-result-window").await;
    narrow(browser, "rebuild-result").await;
}

/// The managers' page as the planner sees it (the console's last tab).
async fn summary_as_planner(browser: &Browser, base: &str) {
    browser
        .client
        .goto(&format!("{base}/{CITY}/summary"))
        .await
        .unwrap();
    browser.wait_for("main a.download").await;
    browser.shot("summary-planner").await;
}

/// Each tab of the console (and explain with an indicator): a screenshot of each,
/// its links and forms collected.
async fn every_tab(browser: &Browser, base: &str, seen: &mut Seen) {
    let tabs = [
        ("preview", "/preview", "次の実行で送るメール"),
        ("outbox", "/outbox", "未送信"),
        ("outbox-sent", "/outbox?state=sent", "全庁集計"),
        ("explain", "/explain?item=1-1.1&year=2020", "1-1.1"),
        ("collection", "/collection", "受付中"),
    ];
    for (step, path, wanted) in tabs {
        let url = format!("{base}/{CITY}/console{path}");
        browser.client.goto(&url).await.unwrap();
        browser.wait_for("main").await;
        browser.wait_for_text(wanted).await;
        assert!(
            overflow(browser).await <= 0,
            "{path}: wider than the window"
        );
        collect(browser, seen).await;
        browser.shot(step).await;
        if step == "outbox-sent" {
            browser.shot_window("outbox-sent-window").await;
        }
        narrow(browser, step).await;
    }
}

/// The page shown in a window of 800 px: no sideways scroll; a screenshot.
async fn narrow(browser: &Browser, step: &str) {
    browser.client.set_window_size(800, 900).await.unwrap();
    browser.client.refresh().await.unwrap();
    browser.wait_for("main").await;
    let over = overflow(browser).await;
    browser.shot(&format!("{step}-800")).await;
    browser.client.set_window_size(1280, 900).await.unwrap();
    assert!(
        over <= 0,
        "{step} at 800 px: {over} px wider than the window"
    );
}

/// How far the page is wider than the window, in CSS pixels.
async fn overflow(browser: &Browser) -> i64 {
    let script = "return document.documentElement.scrollWidth - window.innerWidth";
    let value = browser.client.execute(script, vec![]).await.unwrap();
    value.as_i64().unwrap_or(0)
}

/// The manager's visit: the summary, its charts and the white paper; every console
/// address refused; no unfinished submission's file named.
async fn manager(portal: &Portal, base: &str, seen: &Seen, ids: &[i64]) {
    assert!(seen.links.len() > 5, "{:?}", seen.links);
    assert!(seen.forms.len() >= 3, "{:?}", seen.forms);
    let browser = Browser::start("console_manager").await;
    sign_in_by_mail(&browser, portal, base, MANAGER).await;
    assert_eq!(browser.path().await, format!("/{CITY}/summary"));
    charts_are_drawn(&browser).await;
    no_unfinished_name(&browser).await;
    browser.shot("summary").await;
    browser.shot_window("summary-window").await;
    let to_charts = "document.querySelector('div.charts').previousElementSibling.scrollIntoView()";
    browser.client.execute(to_charts, vec![]).await.unwrap();
    browser.shot_window("summary-charts-window").await;
    download_white_paper(&browser).await;
    let mut wrong = links_refused(&browser, seen).await;
    wrong.extend(forms_refused(&browser, base, seen).await);
    wrong.extend(submissions_refused(&browser, ids).await);
    for (step, path) in [("home", "/"), ("overview", "/overview")] {
        let url = format!("{base}/{CITY}{path}");
        browser.client.goto(&url).await.unwrap();
        browser.wait_for("main").await;
        no_unfinished_name(&browser).await;
        browser.shot(step).await;
    }
    browser.close().await;
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Every image of the page (the charts) loaded and decoded, with a width.
async fn charts_are_drawn(browser: &Browser) {
    let script = "return Promise.all([...document.querySelectorAll('figure.chart img')]\
                  .map(i => i.decode().then(() => i.naturalWidth, () => 0)))";
    let widths = browser.client.execute(script, vec![]).await.unwrap();
    let widths = widths.as_array().unwrap();
    assert!(!widths.is_empty(), "no chart on the summary");
    assert!(
        widths.iter().all(|w| w.as_f64().unwrap_or(0.0) > 0.0),
        "a chart did not load: {widths:?}"
    );
}

/// The page's HTML does not name the unfinished submission's file.
async fn no_unfinished_name(browser: &Browser) {
    let source = browser.client.source().await.unwrap();
    let path = browser.path().await;
    assert!(!source.contains(UNFINISHED), "{path} names {UNFINISHED}");
}

/// The status of a GET of `path` from the page (the manager's cookie), as `fetch`
/// gets it without following a redirect.
async fn fetched(browser: &Browser, path: &str) -> u64 {
    let script = "return fetch(arguments[0], {redirect: 'manual'}).then(r => r.status)";
    let status = browser
        .client
        .execute(script, vec![json!(path)])
        .await
        .unwrap();
    status.as_u64().unwrap()
}

/// Each console link of the planner's pages, fetched by the manager: 403.
async fn links_refused(browser: &Browser, seen: &Seen) -> Vec<String> {
    let mut wrong = Vec::new();
    for link in &seen.links {
        let status = fetched(browser, link).await;
        if status != 403 {
            wrong.push(format!("GET {link}: {status}"));
        }
    }
    println!("{} console links refused to the manager", seen.links.len());
    wrong
}

/// Each console form of the planner's pages, built in the manager's page with the
/// manager's own token and submitted: the answer is the 403 page at the form's
/// address, and nothing else.
async fn forms_refused(browser: &Browser, base: &str, seen: &Seen) -> Vec<String> {
    let mut wrong = Vec::new();
    for (action, fields) in &seen.forms {
        browser
            .client
            .goto(&format!("{base}/{CITY}/summary"))
            .await
            .unwrap();
        browser.wait_for("main").await;
        post_built_form(browser, action, fields).await;
        browser.wait_for_text("企画経営課の操作用").await;
        let status = navigation_status(browser).await;
        let path = browser.path().await;
        if status != 403 || path != *action {
            wrong.push(format!("POST {action}: {status} at {path}"));
        }
    }
    browser.shot("form-refused").await;
    println!("{} console forms refused to the manager", seen.forms.len());
    wrong
}

/// Builds a form posting `fields` and the page's own CSRF token to `action`, and
/// submits it.
async fn post_built_form(browser: &Browser, action: &str, fields: &[(String, String)]) {
    let script = r#"
        const [action, fields] = arguments;
        const token = document.querySelector("input[name=csrf]").value;
        const form = document.createElement("form");
        form.method = "post";
        form.action = action;
        for (const [name, value] of [...fields, ["csrf", token]]) {
            const input = document.createElement("input");
            input.type = "hidden"; input.name = name; input.value = value;
            form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();
    "#;
    let args = vec![json!(action), json!(fields)];
    browser.client.execute(script, args).await.unwrap();
}

/// The HTTP status of the page shown (Navigation Timing's `responseStatus`).
async fn navigation_status(browser: &Browser) -> u64 {
    let script = "return performance.getEntriesByType('navigation')[0].responseStatus";
    let value = browser.client.execute(script, vec![]).await.unwrap();
    value.as_u64().unwrap_or(0)
}

/// Every submission of the city (`ids`) under the console's and the departments' routes,
/// with its files: 403 or 404 to the manager.
async fn submissions_refused(browser: &Browser, ids: &[i64]) -> Vec<String> {
    assert!(ids.len() >= 10, "{ids:?}");
    let mut wrong = Vec::new();
    for id in ids {
        for prefix in ["/console/submissions", "/submissions"] {
            for tail in ["", "/original", "/annotated"] {
                let path = format!("/{CITY}{prefix}/{id}{tail}");
                let status = fetched(browser, &path).await;
                if status != 403 && status != 404 {
                    wrong.push(format!("GET {path}: {status}"));
                }
            }
        }
    }
    wrong
}
