//! Opening and closing a fiscal year's collection (受付), over HTTP against the real
//! router on 127.0.0.1:0 and with the real binary, on the city's real store (SQLite, or
//! PostgreSQL on the suite's second run) and the loopback SMTP server: a closed year's
//! upload gets the 422 page and nothing is recorded, its file in the inbox is answered
//! once by mail and not recorded, the department's page has no form, no reminder goes
//! out; opened again, the same bytes are taken in as new. The command and the page
//! see each other's changes. Only the planning division may use the page (403 for the
//! others, CSRF checked); a garbled year or action is a 400 page.

mod common;

use chrono::{DateTime, Utc};
use common::http::{Http, Reply};
use common::portal::{Portal, DEPARTMENT, MANAGER, OTHER_DEPARTMENT, PLANNING};
use common::{jst, repo, stdout_of, SmtpSink, TestCity};
use hakusho::archive::{path_by_hash, sha256_hex};
use hakusho::domain::FiscalYear;
use hakusho::mail::notices;
use hakusho::web;

const CITY: &str = "132047";
const PAGE: &str = "/132047/console/collection";
const CLOSED: &str = "令和2年度の提出の受付は終了しました。企画経営課にお問い合わせください";

/// 2021-04-06 10:00 JST: three days before the sample's deadline (reminders are due).
fn three_days_before() -> DateTime<Utc> {
    jst(2021, 4, 6, 10, 0, 0)
}

fn sample(department: &str) -> Vec<u8> {
    std::fs::read(repo().join(format!("data/inbox/令和2年度_{department}.xlsx"))).unwrap()
}

/// A session of `address`: (its cookie header, its CSRF token).
fn session(portal: &Portal, address: &str) -> (String, String) {
    let id = web::testing::sign_in(portal.app(), address);
    let csrf = web::testing::csrf_of(portal.app(), &id);
    (format!("{}={id}", web::auth::SESSION_COOKIE), csrf)
}

fn get(portal: &Portal, path: &str, cookie: &str) -> Reply {
    Http::new(portal.addr).request("GET", path, &[("Cookie", cookie)], b"")
}

fn post(portal: &Portal, cookie: &str, fields: &[(&str, &str)]) -> Reply {
    let body = common::http::form_body(fields);
    let headers = [
        ("Cookie", cookie),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    Http::new(portal.addr).request("POST", PAGE, &headers, body.as_bytes())
}

fn upload(portal: &Portal, cookie: &str, csrf: &str, name: &str, bytes: &[u8]) -> Reply {
    let boundary = "hakusho-collection-test";
    let body = common::http::multipart_body(boundary, &[("csrf", csrf)], &[("file", name, bytes)]);
    let kind = format!("multipart/form-data; boundary={boundary}");
    let headers = [("Cookie", cookie), ("Content-Type", kind.as_str())];
    Http::new(portal.addr).request("POST", &format!("/{CITY}/upload"), &headers, &body)
}

/// The page's collection of a year as its row reads: 受付中 or 受付終了.
fn row_of(page: &str, year: &str) -> String {
    let start = page
        .find(year)
        .unwrap_or_else(|| panic!("{year} in {page}"));
    let end = page[start..].find("</tr>").unwrap() + start;
    page[start..end].to_string()
}

/// How many of 企画部's submissions the store holds, and whether the bytes are one.
fn recorded(city: &TestCity, bytes: &[u8]) -> (usize, bool) {
    let store = city.store();
    let history = store.department_history(CITY, "企画部", None).unwrap();
    let known = store.submission_by_hash(CITY, &sha256_hex(bytes)).unwrap();
    (history.len(), known.is_some())
}

#[test]
fn a_closed_years_upload_is_refused_unrecorded_and_the_same_bytes_are_taken_after_reopening() {
    let portal = Portal::start();
    portal.clock.set(three_days_before());
    let (planning, planning_csrf) = session(&portal, PLANNING);
    let page = get(&portal, PAGE, &planning);
    assert_eq!(page.status, 200, "{}", page.text());
    let row = row_of(&page.text(), "令和2年度</span>");
    assert!(
        row.contains("受付中") && row.contains("受付を締め切る"),
        "{row}"
    );

    let closed = post(
        &portal,
        &planning,
        &[
            ("csrf", &planning_csrf),
            ("fiscal_year", "2020"),
            ("action", "close"),
        ],
    );
    assert_eq!(closed.status, 303, "{}", closed.text());
    let page = get(&portal, closed.location(), &planning).text();
    assert!(page.contains("令和2年度の受付を締め切りました"), "{page}");
    let row = row_of(&page, "令和2年度</span>");
    assert!(
        row.contains("受付終了")
            && row.contains("受付を再開する")
            && row.contains(&PLANNING.replace('@', "@<wbr>")),
        "{row}"
    );

    let year = get(&portal, &format!("/{CITY}/console"), &planning).text();
    assert!(year.contains("受付: <strong>受付終了</strong>"), "{year}");
    let (kikaku, kikaku_csrf) = session(&portal, DEPARTMENT);
    let bytes = sample("企画部");
    refused_while_closed(&portal, &kikaku, &kikaku_csrf, &bytes);
    reopen_by_command_and_submit(&portal, &planning, &kikaku, &bytes);
}

/// The department's page while the year is closed: no form; its upload gets the 422
/// page, nothing is recorded or mailed, the original is archived.
fn refused_while_closed(portal: &Portal, kikaku: &str, csrf: &str, bytes: &[u8]) {
    let department = get(portal, &format!("/{CITY}/department"), kikaku).text();
    assert!(
        department.contains("受付終了") && department.contains(CLOSED),
        "{department}"
    );
    assert!(
        !department.contains("/upload\""),
        "no upload form: {department}"
    );

    let refused = upload(portal, kikaku, csrf, "令和2年度_企画部.xlsx", bytes);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains(CLOSED), "{}", refused.text());
    assert_eq!(
        recorded(&portal.cities[0], bytes),
        (0, false),
        "nothing recorded"
    );
    let config = portal.app().config();
    let original = path_by_hash(&config.paths.archive, &sha256_hex(bytes), ".xlsx");
    assert!(
        original.is_file(),
        "the original is archived: {}",
        original.display()
    );
    let counts = portal.cities[0].store().outbox_counts(CITY).unwrap();
    assert_eq!(
        counts.pending + counts.sent,
        0,
        "no mail for an upload: {counts:?}"
    );
}

/// The command sees the page's close and opens the year; the page sees the command's
/// change, the form is back, and the same bytes are a new submission with its receipt.
fn reopen_by_command_and_submit(portal: &Portal, planning: &str, kikaku: &str, bytes: &[u8]) {
    let listed = stdout_of(&portal.hakusho(&["collection"]));
    assert!(
        listed.contains("令和2年度: 受付終了") && listed.contains(PLANNING),
        "{listed}"
    );
    let status = stdout_of(&portal.hakusho(&["status"]));
    assert!(status.contains("受付: 受付終了"), "{status}");
    let opened = portal.hakusho(&["collection", "--open", "--fiscal-year", "令和2年度"]);
    assert!(opened.status.success(), "{opened:?}");
    assert!(
        stdout_of(&opened).contains("令和2年度の受付を再開しました"),
        "{opened:?}"
    );
    let page = get(portal, PAGE, planning).text();
    let row = row_of(&page, "令和2年度</span>");
    assert!(
        row.contains("受付中") && row.contains("コマンド操作"),
        "{row}"
    );

    let department = get(portal, &format!("/{CITY}/department"), kikaku).text();
    assert!(
        department.contains("/upload\"") && !department.contains(CLOSED),
        "{department}"
    );
    let csrf = web::testing::csrf_of(portal.app(), kikaku.split_once('=').unwrap().1);
    let accepted = upload(portal, kikaku, &csrf, "令和2年度_企画部.xlsx", bytes);
    assert_eq!(accepted.status, 303, "{}", accepted.text());
    assert_eq!(recorded(&portal.cities[0], bytes), (1, true));
    let mails = portal.sink.wait_for(1);
    assert_eq!(mails[0].0, [DEPARTMENT], "the receipt");
}

/// The planning division closes by the command; the page shows it and opens it again.
#[test]
fn the_page_sees_the_commands_close_and_the_command_the_pages_open() {
    let portal = Portal::start();
    let closed = portal.hakusho(&["collection", "--close"]);
    assert!(
        stdout_of(&closed).contains("令和2年度の受付を締め切りました"),
        "{closed:?}"
    );
    let again = portal.hakusho(&["collection", "--close", "--fiscal-year", "R2"]);
    assert!(stdout_of(&again).contains("すでに受付終了"), "{again:?}");
    let (planning, csrf) = session(&portal, PLANNING);
    let row = row_of(&get(&portal, PAGE, &planning).text(), "令和2年度</span>");
    assert!(
        row.contains("受付終了") && row.contains("コマンド操作"),
        "{row}"
    );
    let opened = post(
        &portal,
        &planning,
        &[
            ("csrf", &csrf),
            ("fiscal_year", "令和2年度"),
            ("action", "open"),
        ],
    );
    assert_eq!(opened.status, 303, "{}", opened.text());
    let listed = stdout_of(&portal.hakusho(&["collection"]));
    assert!(
        listed.contains("令和2年度: 受付中") && listed.contains(PLANNING),
        "{listed}"
    );
    let unknown = portal.hakusho(&["collection", "--close", "--fiscal-year", "令和30年度"]);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    let told = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        told.contains("令和30年度は受付を開け閉めできる年度ではありません"),
        "{told}"
    );
}

/// The subject of a raw mail.
fn subject(raw: &[u8]) -> String {
    let message = mail_parser::MessageParser::default().parse(raw).unwrap();
    message.subject().unwrap_or_default().to_string()
}

/// Mails in the store's outbox, sent or not.
fn queued(city: &TestCity) -> i64 {
    let counts = city.store().outbox_counts(CITY).unwrap();
    counts.pending + counts.sent + counts.failed
}

#[test]
fn a_closed_years_inbox_file_is_answered_once_by_mail_unrecorded_then_taken_after_reopening() {
    let sink = SmtpSink::start();
    let city = TestCity::new(Some(sink.port));
    let file = city.inbox().join("令和2年度_企画部.xlsx");
    let bytes = std::fs::read(&file).unwrap();
    let file = file.to_str().unwrap();
    assert!(city.hakusho(&["collection", "--close"]).status.success());
    for round in 0..2 {
        let refused = city.hakusho(&["ingest", file]);
        assert_eq!(refused.status.code(), Some(1), "round {round}: {refused:?}");
        let printed = String::from_utf8_lossy(&refused.stdout);
        assert!(printed.contains(CLOSED), "{printed}");
        assert_eq!(recorded(&city, &bytes), (0, false), "round {round}");
        assert_eq!(queued(&city), 1, "answered once, round {round}");
    }
    let mails = sink.wait_for(1);
    assert_eq!(mails[0].0, [DEPARTMENT]);
    assert!(subject(&mails[0].1).contains("令和2年度 提出の受付は終了しました"));
    let message = mail_parser::MessageParser::default()
        .parse(&mails[0].1)
        .unwrap();
    let body = message.body_text(0).unwrap().to_string();
    assert!(
        body.contains(CLOSED) && body.contains("令和2年度_企画部.xlsx"),
        "{body}"
    );

    assert!(city.hakusho(&["collection", "--open"]).status.success());
    let taken = city.hakusho(&["ingest", file]);
    assert_eq!(taken.status.code(), Some(0), "{taken:?}");
    assert_eq!(recorded(&city, &bytes), (1, true));
    let mails = sink.wait_for(2);
    assert!(
        subject(&mails[1].1).contains("受付結果"),
        "{}",
        subject(&mails[1].1)
    );
}

#[test]
fn no_reminder_is_sent_for_a_closed_year() {
    let sink = SmtpSink::start();
    let city = TestCity::new(Some(sink.port));
    let clock = hakusho::domain::Clock::fixed(three_days_before());
    let config = hakusho::config::Config::load(&city.config_path()).unwrap();
    let app = hakusho::app::App::new(config, clock.clone());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The mailer's pool belongs to the runtime: made, used and dropped inside it.
    let remind = |app: &hakusho::app::App| {
        runtime.block_on(async {
            let mut store = app.store().separate().unwrap();
            let mailer = app.mailer().unwrap();
            let (job, now) = (notices::REMINDERS, clock.now());
            notices::run(app.config(), &mut store, mailer, job, now, &clock)
                .await
                .unwrap()
        })
    };
    assert!(city.hakusho(&["collection", "--close"]).status.success());
    assert_eq!(remind(&app), 0, "closed: nobody is reminded");
    by_hand_while_closed(&app);
    assert_eq!(queued(&city), 0);
    assert!(city.hakusho(&["collection", "--open"]).status.success());
    let sent = remind(&app);
    assert!(sent > 0, "open again: the departments are reminded");
    runtime.block_on(async move { drop(app) });
}

/// A reminder by hand (the console's button, `hakusho remind`) is not sent either.
fn by_hand_while_closed(app: &hakusho::app::App) {
    let mut store = app.store().separate().unwrap();
    let reminded = notices::remind_now(app.config(), &mut store, "企画部", app.now()).unwrap();
    assert_eq!(reminded, notices::Reminded::Closed);
    assert!(reminded.why_not("企画部").contains("受付は終了"));
}

#[test]
fn only_the_planning_division_may_use_the_page_and_every_form_is_checked() {
    let portal = Portal::start();
    for address in [MANAGER, DEPARTMENT, OTHER_DEPARTMENT] {
        let (cookie, csrf) = session(&portal, address);
        assert_eq!(get(&portal, PAGE, &cookie).status, 403, "{address}");
        let fields = [
            ("csrf", csrf.as_str()),
            ("fiscal_year", "2020"),
            ("action", "close"),
        ];
        let refused = post(&portal, &cookie, &fields);
        assert_eq!(refused.status, 403, "{address}");
        assert!(
            refused.text().contains("この操作はできません"),
            "{}",
            refused.text()
        );
    }
    let signed_out = Http::new(portal.addr).get(PAGE);
    assert_eq!(signed_out.status, 303);
    assert!(
        signed_out.location().contains("/signin"),
        "{}",
        signed_out.location()
    );
    let (planning, csrf) = session(&portal, PLANNING);
    for fields in [
        vec![("fiscal_year", "2020"), ("action", "close")],
        vec![
            ("csrf", "0".repeat(64).leak() as &str),
            ("fiscal_year", "2020"),
            ("action", "close"),
        ],
        vec![("csrf", ""), ("fiscal_year", "2020"), ("action", "close")],
    ] {
        assert_eq!(post(&portal, &planning, &fields).status, 403, "{fields:?}");
    }
    garbled_forms_are_400(&portal, &planning, &csrf);
    let store = portal.cities[0].store();
    assert_eq!(
        store.collection_state(CITY, FiscalYear(2020)).unwrap(),
        None,
        "nothing changed"
    );
    assert!(store.collections(CITY).unwrap().is_empty());
}

/// A year that is not one, one the city does not know, an action that is not one: a
/// Japanese 400 page, the text sent shown escaped.
fn garbled_forms_are_400(portal: &Portal, planning: &str, csrf: &str) {
    let cases = [
        ("", "close", "年度として読めません"),
        ("令和X年度", "close", "年度として読めません"),
        ("<b>2020</b>", "open", "&lt;b&gt;2020&lt;/b&gt;"),
        ("1999", "close", "受付を開け閉めできる年度ではありません"),
        (
            "令和30年度",
            "open",
            "受付を開け閉めできる年度ではありません",
        ),
        ("2020", "delete", "受付を締め切る"),
        ("2020", "", "受付を締め切る"),
        ("2020", "CLOSE", "受付を締め切る"),
    ];
    for (year, action, told) in cases {
        let fields = [("csrf", csrf), ("fiscal_year", year), ("action", action)];
        let answer = post(portal, planning, &fields);
        assert_eq!(answer.status, 400, "{year} {action}: {}", answer.text());
        let text = answer.text();
        assert!(
            text.contains("リクエストを読めません") && text.contains(told),
            "{text}"
        );
        assert!(!text.contains("<b>2020"), "escaped: {text}");
    }
}
