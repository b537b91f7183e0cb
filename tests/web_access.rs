//! Who may open what in the portal: every route of issues 14 and 15 × every role
//! (signed out, 企画部, 総務部, the planning division, a manager), against the real
//! router on 127.0.0.1:0 with two cities on one real store (SQLite, or PostgreSQL on
//! the suite's second run), with real ids (each department's submission, an
//! undeliverable copy, the year, a department's report and a whole-city one). The
//! matrix is printed and kept in `target/test-output/web_access/matrix.md`.
//!
//! The console's actions are posted with each role's own valid CSRF token, so that a
//! refusal is the role's; a refused one changes nothing (ledger, outbox, collections,
//! submissions, sessions), and a manager reads no file name of a submission sent back.
//!
//! Also: no answer to one department names the other's file or address; guessed ids
//! are 404; a session of one city opens nothing in the other; expired and revoked
//! sessions open nothing; every POST without its CSRF token is a 403 that changes
//! nothing; a cell holding `<script>alert(1)</script>` is text, in the HTML and in
//! Chromium.

#[path = "common/browser.rs"]
mod browser;
mod common;

use common::grid::Grid;
use common::http::{Http, Reply};
use common::portal::{Portal, MITAKA, MUSASHINO, PLANNING};
use common::{jst, repo};
use hakusho::web::{self, auth::SESSION_COOKIE};

const CITY: &str = MITAKA.0;
const A: &str = "kikaku-bu@mitaka.example";
const B: &str = "somu-bu@mitaka.example";
const MANAGER: &str = "kikaku-kacho@mitaka.example";
/// The file names each department uploads under: the other must never see them.
const A_FILE: &str = "企画部_A内部資料.xlsx";
const B_FILE: &str = "総務部_B内部資料.xlsx";

/// The roles of the matrix, in its column order.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    Out,
    DepartmentA,
    DepartmentB,
    Planning,
    Manager,
}

const EVERYONE: [Who; 5] = [
    Who::Out,
    Who::DepartmentA,
    Who::DepartmentB,
    Who::Planning,
    Who::Manager,
];

impl Who {
    fn address(self) -> Option<&'static str> {
        match self {
            Who::Out => None,
            Who::DepartmentA => Some(A),
            Who::DepartmentB => Some(B),
            Who::Planning => Some(PLANNING),
            Who::Manager => Some(MANAGER),
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Who::Out => "signed out",
            Who::DepartmentA => "dept A (企画部)",
            Who::DepartmentB => "dept B (総務部)",
            Who::Planning => "planning",
            Who::Manager => "manager",
        }
    }
}

/// A browser of `who` in the first city: a session made through the store as a used
/// link makes it (none when signed out), and its CSRF token.
struct Visitor {
    http: Http,
    csrf: String,
}

fn visitor(portal: &Portal, who: Who) -> Visitor {
    let mut http = portal.http();
    let Some(address) = who.address() else {
        return Visitor {
            http,
            csrf: "x".repeat(64),
        };
    };
    let id = web::testing::sign_in(portal.app(), address);
    http.set_cookie(&format!("/{CITY}/"), SESSION_COOKIE, &id);
    let csrf = web::testing::csrf_of(portal.app(), &id);
    Visitor { http, csrf }
}

/// Two cities (三鷹市 and 武蔵野市 on one store), three days before the deadline, where
/// each of 企画部 and 総務部 has uploaded a workbook with mistakes and has a report.
struct World {
    portal: Portal,
    a_id: i64,
    b_id: i64,
    /// An undeliverable copy of the first city's outbox (for the resend button).
    failed: i64,
    /// The bytes each department sent (a workbook written now: its time is in it).
    sent: [Vec<u8>; 2],
}

fn world() -> World {
    let portal = Portal::with(2, |_, text| text);
    portal.clock.set(jst(2021, 4, 6, 10, 0, 0));
    let sent = [with_mistake("企画部"), with_mistake("総務部")];
    let a_id = upload(&portal, Who::DepartmentA, A_FILE, &sent[0]);
    let b_id = upload(&portal, Who::DepartmentB, B_FILE, &sent[1]);
    write_reports(&portal);
    let failed = undeliverable(&portal);
    World {
        portal,
        a_id,
        b_id,
        failed,
        sent,
    }
}

/// A copy the mail server refused, in the first city's outbox; its delivery id. It is
/// queued for tomorrow, so that the portal's delivery worker does not take it first.
fn undeliverable(portal: &Portal) -> i64 {
    use hakusho::store::{Claim, NewMessage};
    let mut store = portal.cities[0].store();
    let to = vec!["old-address@mitaka.example".to_string()];
    let message = NewMessage {
        key: "web-access-failed",
        subject: "【三鷹市】届かなかったメール",
        body: "本文",
        recipients: &to,
        attachments: &[],
    };
    let tomorrow = portal.clock.now() + chrono::Duration::days(1);
    let queued = hakusho::domain::stamp(tomorrow);
    assert!(store.enqueue_message(CITY, &message, &queued).unwrap());
    let later = hakusho::domain::stamp(tomorrow + chrono::Duration::hours(1));
    let claim = Claim {
        token: "web-access",
        now: &later,
        lease_until: &later,
    };
    let copy = store.claim_next(CITY, 0, claim).unwrap().expect("the copy");
    assert!(store
        .mark_failed(copy.id, "web-access", "550 5.1.1 宛先不明")
        .unwrap());
    copy.id
}

/// A department's sample workbook with a text where a number belongs (目標指標 J2).
fn with_mistake(department: &str) -> Vec<u8> {
    edited(department, "J2", "未定")
}

/// A department's sample workbook with one cell of 目標指標 changed.
fn edited(department: &str, cell: &str, text: &str) -> Vec<u8> {
    let path = repo().join(format!("data/inbox/令和2年度_{department}.xlsx"));
    let mut grid = Grid::read(&path);
    grid.text("目標指標", cell, text);
    grid.to_xlsx()
}

/// Uploads a file as `who` through the form; the new submission's id.
fn upload(portal: &Portal, who: Who, name: &str, bytes: &[u8]) -> i64 {
    let mut visitor = visitor(portal, who);
    let reply = post_upload(&mut visitor, name, bytes);
    assert_eq!(reply.status, 303, "{}", reply.text());
    let location = reply.location();
    location.rsplit('/').next().unwrap().parse().unwrap()
}

fn post_upload(visitor: &mut Visitor, name: &str, bytes: &[u8]) -> Reply {
    let csrf = visitor.csrf.clone();
    let path = format!("/{CITY}/upload");
    visitor
        .http
        .post_multipart(&path, &[("csrf", &csrf)], &[("file", name, bytes)])
}

/// Each department's report of 2020, and the managers' summary.
fn write_reports(portal: &Portal) {
    use hakusho::report::{Audience, ReportFile};
    let file = |audience: Audience, name: &str| ReportFile {
        audience,
        file_name: name.to_string(),
        bytes: name.as_bytes().to_vec(),
    };
    let files = [
        file(Audience::Department("企画部".into()), &a_report()),
        file(Audience::Department("総務部".into()), &b_report()),
        file(Audience::Whole, "令和2年度_管理者向け要約.pdf"),
    ];
    let reports = portal.cities[0].path().join("reports");
    hakusho::report::write_reports(&reports, hakusho::domain::FiscalYear(2020), &files).unwrap();
}

fn a_report() -> String {
    "令和2年度_企画部_報告書.pdf".into()
}

fn b_report() -> String {
    "令和2年度_総務部_報告書.pdf".into()
}

/// A path segment percent-encoded.
fn encoded(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// How a request is sent.
#[derive(Clone, Copy)]
enum Send {
    Get,
    /// A form with the visitor's CSRF token (the sign-in forms: the form cookie's).
    Post,
    /// The upload form with the visitor's token and its department's own workbook.
    Upload,
    /// The sign-out button's form, with the session's token.
    SignOut,
    /// A console's form with the visitor's own valid token and these fields: a refusal
    /// is the role's, not the token's.
    Action(&'static [(&'static str, &'static str)]),
}

/// One row of the matrix: a request, and the answer expected for each role in
/// [`EVERYONE`]'s order (`303→signin`: a redirect to the path ending so).
struct Row {
    label: String,
    send: Send,
    path: String,
    expected: [&'static str; 5],
}

fn row(label: &str, send: Send, path: String, expected: [&'static str; 5]) -> Row {
    Row {
        label: label.to_string(),
        send,
        path,
        expected,
    }
}

const ALL_200: [&str; 5] = ["200"; 5];
const OUT: &str = "303→signin";
/// A department's own route: 企画部 only; 総務部 gets 404; the others 403.
const OWN_A: [&str; 5] = [OUT, "200", "404", "403", "403"];
const OWN_B: [&str; 5] = [OUT, "404", "200", "403", "403"];
const NOBODY: [&str; 5] = [OUT, "404", "404", "403", "403"];

/// `GET` of a path written with `{city}`, labelled as written.
fn get(template: &str, expected: [&'static str; 5]) -> Row {
    let path = template.replace("{city}", CITY);
    row(&format!("GET {template}"), Send::Get, path, expected)
}

/// A POST of a path written with `{city}` (and a note in brackets after a space),
/// labelled as written.
fn post(template: &str, send: Send, expected: [&'static str; 5]) -> Row {
    let path = template.split(' ').next().unwrap().replace("{city}", CITY);
    row(&format!("POST {template}"), send, path, expected)
}

/// The routes of the design (web14.md), with real ids and names of each department.
fn rows(world: &World) -> Vec<Row> {
    let mut rows = public_rows();
    rows.extend(role_rows());
    rows.extend(submission_rows(world));
    rows.extend(console_submission_rows(world));
    rows.extend(report_rows());
    rows.extend(summary_rows());
    rows.extend(console_page_rows());
    rows.extend(elsewhere_rows());
    // The upload first: the annual run among the actions takes in the same workbook
    // from the inbox; the sign-out last.
    let mut closing = closing_rows();
    rows.push(closing.remove(0));
    rows.extend(console_action_rows(world));
    rows.extend(closing);
    rows
}

/// What anyone may open: the city list, the assets, the sign-in pages.
fn public_rows() -> Vec<Row> {
    let link = format!("/{CITY}/signin/{}", "0".repeat(64));
    vec![
        get("/", ALL_200),
        get("/assets/hakusho.css", ALL_200),
        get("/assets/upload.js", ALL_200),
        get("/{city}/signin", ALL_200),
        post("/{city}/signin", Send::Post, ALL_200),
        // A link that is not one (a real one's page is 200: tests/web_auth.rs).
        row(
            "GET /{city}/signin/{forged token}",
            Send::Get,
            link.clone(),
            ["410"; 5],
        ),
        row(
            "POST /{city}/signin/{forged token}",
            Send::Post,
            link,
            ["410"; 5],
        ),
    ]
}

/// Each role's home and pages.
fn role_rows() -> Vec<Row> {
    let homes = [
        OUT,
        "303→department",
        "303→department",
        "303→console",
        "303→summary",
    ];
    vec![
        get("/{city}/", homes),
        get("/{city}/department", [OUT, "200", "200", "403", "403"]),
        get("/{city}/template", [OUT, "200", "200", "403", "403"]),
        // The planning division's console has the table and more: it is sent there.
        get(
            "/{city}/overview",
            [OUT, "403", "403", "303→console", "200"],
        ),
        get("/{city}/console", PLANNING_ONLY),
        get("/{city}/console/explain", PLANNING_ONLY),
        get(
            "/{city}/console/explain?item=1-1.1&year=2020",
            PLANNING_ONLY,
        ),
        get(
            "/{city}/console/explain?item=9-9.9",
            [OUT, "403", "403", "404", "403"],
        ),
    ]
}

/// The console's pages: the planning division only.
const PLANNING_ONLY: [&str; 5] = [OUT, "403", "403", "200", "403"];

/// Any department's submission of the city in the console: the planning division
/// only; the id after the last is 404 for it too.
fn console_submission_rows(world: &World) -> Vec<Row> {
    let next = world.a_id.max(world.b_id) + 1;
    let none = [OUT, "403", "403", "404", "403"];
    let mut rows = Vec::new();
    for (id, who, expected) in [
        (world.a_id, "A's", PLANNING_ONLY),
        (world.b_id, "B's", PLANNING_ONLY),
        (next, "next", none),
    ] {
        for tail in ["", "/original", "/annotated"] {
            let label = format!("GET /{{city}}/console/submissions/{{{who} id}}{tail}");
            let path = format!("/{CITY}/console/submissions/{id}{tail}");
            rows.push(row(&label, Send::Get, path, expected));
        }
    }
    rows
}

/// A's submission, B's, and the id after the last, each with its files.
fn submission_rows(world: &World) -> Vec<Row> {
    let next = world.a_id.max(world.b_id) + 1;
    let mut rows = Vec::new();
    for (id, who, own) in [
        (world.a_id, "A's", OWN_A),
        (world.b_id, "B's", OWN_B),
        (next, "next", NOBODY),
    ] {
        for tail in ["", "/original", "/annotated"] {
            let label = format!("GET /{{city}}/submissions/{{{who} id}}{tail}");
            let path = format!("/{CITY}/submissions/{id}{tail}");
            rows.push(row(&label, Send::Get, path, own));
        }
    }
    rows
}

/// The upload, then the sign-out and the old cookie sent again after it.
fn closing_rows() -> Vec<Row> {
    let uploaded = [OUT, "303→submissions", "303→submissions", "403", "403"];
    let after = "GET /{city}/department (after sign-out, the old cookie)";
    vec![
        post("/{city}/upload", Send::Upload, uploaded),
        post("/{city}/signout", Send::SignOut, ["303→signin"; 5]),
        row(
            after,
            Send::Get,
            format!("/{CITY}/department"),
            ["303→signin"; 5],
        ),
    ]
}

/// The reports of a year: each department its own; the managers' summary is no
/// department's.
fn report_rows() -> Vec<Row> {
    let path = |name: &str| format!("/{CITY}/reports/2020/{}", encoded(name));
    vec![
        row(
            "GET /{city}/reports/2020/{A's report}",
            Send::Get,
            path(&a_report()),
            OWN_A,
        ),
        row(
            "GET /{city}/reports/2020/{B's report}",
            Send::Get,
            path(&b_report()),
            OWN_B,
        ),
        row(
            "GET /{city}/reports/2020/{managers' summary}",
            Send::Get,
            path("令和2年度_管理者向け要約.pdf"),
            NOBODY,
        ),
    ]
}

/// The managers' page (issue 15): managers and planning only, whole-city files only;
/// the IT staff's probes open to all.
fn summary_rows() -> Vec<Row> {
    let managers = [OUT, "403", "403", "200", "200"];
    let path = |name: &str| format!("/{CITY}/summary/reports/2020/{}", encoded(name));
    vec![
        get("/{city}/summary", managers),
        get("/{city}/summary/charts/1-1.1.svg", managers),
        get(
            "/{city}/summary/charts/9-9.9.svg",
            [OUT, "403", "403", "404", "404"],
        ),
        row(
            "GET /{city}/summary/reports/2020/{managers' summary}",
            Send::Get,
            path("令和2年度_管理者向け要約.pdf"),
            managers,
        ),
        row(
            "GET /{city}/summary/reports/2020/{A's report}",
            Send::Get,
            path(&a_report()),
            [OUT, "403", "403", "404", "404"],
        ),
        get("/healthz", ALL_200),
        get("/metrics", ALL_200),
    ]
}

/// The console's other pages (issue 15): the planning division only.
fn console_page_rows() -> Vec<Row> {
    vec![
        get("/{city}/console/runs", PLANNING_ONLY),
        get("/{city}/console/preview", PLANNING_ONLY),
        get("/{city}/console/outbox", PLANNING_ONLY),
        get("/{city}/console/outbox?state=pending", PLANNING_ONLY),
        get("/{city}/console/outbox?state=sent", PLANNING_ONLY),
        get("/{city}/console/outbox?state=failed", PLANNING_ONLY),
        get("/{city}/console/collection", PLANNING_ONLY),
        get("/{city}/console/reports", PLANNING_ONLY),
        row(
            "GET /{city}/console/reports/2020/{A's report}",
            Send::Get,
            console_report(&a_report()),
            PLANNING_ONLY,
        ),
        row(
            "GET /{city}/console/reports/2020/{managers' summary}",
            Send::Get,
            console_report("令和2年度_管理者向け要約.pdf"),
            PLANNING_ONLY,
        ),
        row(
            "GET /{city}/console/reports/2020/{a file the index does not list}",
            Send::Get,
            console_report("hakusho.sqlite3"),
            [OUT, "403", "403", "404", "403"],
        ),
        get("/{city}/console/reports/2020/rebuild", PLANNING_ONLY),
        get(
            "/{city}/console/reports/1999/rebuild",
            [OUT, "403", "403", "404", "403"],
        ),
    ]
}

/// A file of the year's reports in the console.
fn console_report(name: &str) -> String {
    format!("/{CITY}/console/reports/2020/{}", encoded(name))
}

/// What the planning division's actions answer it: a 303 back to a console page.
const PLANNING_ACTS: [&str; 5] = [OUT, "403", "403", "303→console", "403"];

/// The console's actions, each with a valid token of the visitor's own session; the
/// annual run last (it takes the inbox in: the rows after it see its submissions).
fn console_action_rows(world: &World) -> Vec<Row> {
    let resend = |id: i64| format!("/{CITY}/console/outbox/{id}/resend");
    vec![
        post(
            "/{city}/console/remind (企画部)",
            Send::Action(&[("department", "企画部")]),
            PLANNING_ACTS,
        ),
        row(
            "POST /{city}/console/outbox/{failed delivery}/resend",
            Send::Action(&[]),
            resend(world.failed),
            PLANNING_ACTS,
        ),
        row(
            "POST /{city}/console/outbox/{no such delivery}/resend",
            Send::Action(&[]),
            resend(world.failed + 100_000),
            [OUT, "403", "403", "404", "403"],
        ),
        post(
            "/{city}/console/collection (close 2020)",
            Send::Action(&[("fiscal_year", "2020"), ("action", "close")]),
            PLANNING_ACTS,
        ),
        post(
            "/{city}/console/collection (open 2020 again)",
            Send::Action(&[("fiscal_year", "2020"), ("action", "open")]),
            PLANNING_ACTS,
        ),
        post(
            "/{city}/console/collection (a year the city does not know)",
            Send::Action(&[("fiscal_year", "1999"), ("action", "close")]),
            [OUT, "403", "403", "400", "403"],
        ),
        post("/{city}/console/run", Send::Action(&[]), PLANNING_ACTS),
        post(
            "/{city}/console/reports/2020/rebuild",
            Send::Action(&[]),
            PLANNING_ACTS,
        ),
    ]
}

/// Paths of the other city (the session is the first city's), of no city, of nothing.
fn elsewhere_rows() -> Vec<Row> {
    let other = MUSASHINO.0;
    vec![
        row(
            "GET /{other city}/ (session of 三鷹市 sent there)",
            Send::Get,
            format!("/{other}/"),
            ["303→signin"; 5],
        ),
        row(
            "GET /{other city}/department (same)",
            Send::Get,
            format!("/{other}/department"),
            ["303→signin"; 5],
        ),
        row(
            "GET /{other city}/overview (same)",
            Send::Get,
            format!("/{other}/overview"),
            ["303→signin"; 5],
        ),
        row(
            "GET /{other city}/console (same)",
            Send::Get,
            format!("/{other}/console"),
            ["303→signin"; 5],
        ),
        row(
            "GET /999999/department (no such city)",
            Send::Get,
            "/999999/department".into(),
            ["404"; 5],
        ),
        row(
            "GET /{city}/nothing",
            Send::Get,
            format!("/{CITY}/nothing"),
            ["404"; 5],
        ),
    ]
}

/// Sends a row's request as the visitor.
fn send(visitor: &mut Visitor, row: &Row, who: Who) -> Reply {
    match row.send {
        Send::Get => visitor.http.get(&row.path),
        Send::Post => {
            let form = visitor.http.get(&format!("/{CITY}/signin"));
            let csrf = form.csrf();
            let fields = [
                ("csrf", csrf.as_str()),
                ("address", "nobody@mitaka.example"),
            ];
            visitor.http.post_form(&row.path, &fields)
        }
        Send::SignOut => {
            let (csrf, old) = (visitor.csrf.clone(), visitor.http.cookie(SESSION_COOKIE));
            let reply = visitor.http.post_form(&row.path, &[("csrf", &csrf)]);
            // The browser forgets the cookie; a copy kept elsewhere is sent again.
            if let Some(old) = old {
                visitor
                    .http
                    .set_cookie(&format!("/{CITY}/"), SESSION_COOKIE, &old);
            }
            reply
        }
        Send::Action(fields) => {
            let csrf = visitor.csrf.clone();
            let mut form = vec![("csrf", csrf.as_str())];
            form.extend(fields.iter().copied());
            visitor.http.post_form(&row.path, &form)
        }
        Send::Upload => {
            let department = if who == Who::DepartmentB {
                "総務部"
            } else {
                "企画部"
            };
            let bytes =
                std::fs::read(repo().join(format!("data/inbox/令和2年度_{department}.xlsx")))
                    .unwrap();
            post_upload(visitor, &format!("{department}.xlsx"), &bytes)
        }
    }
}

/// An answer as the matrix shows it: the status, and where a redirect goes (the
/// path's part after the city).
fn outcome(reply: &Reply) -> String {
    match reply.status {
        303 => format!("303→{}", reply.location().split('/').nth(2).unwrap_or("")),
        status => status.to_string(),
    }
}

/// What one department must never read in an answer to it: the other's file names,
/// address, report and name; what a manager must never read: the names of files sent
/// back.
fn secrets_of_the_other(who: Who) -> Vec<String> {
    match who {
        Who::DepartmentA => vec![B.into(), B_FILE.into(), b_report(), "総務部".into()],
        Who::DepartmentB => vec![A.into(), A_FILE.into(), a_report(), "企画部".into()],
        // Both files were sent back: unfinished work, which managers never read.
        Who::Manager => vec![A_FILE.into(), B_FILE.into()],
        _ => Vec::new(),
    }
}

/// The HTML of an answer, if it is a page.
fn page_of(reply: &Reply) -> Option<String> {
    let html = reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html"));
    html.then(|| String::from_utf8_lossy(&reply.body).into_owned())
}

/// The matrix as a Markdown table: each cell the answer, marked when not expected.
fn table(rows: &[Row], got: &[Vec<String>]) -> String {
    let mut text = String::from("| route |");
    for who in EVERYONE {
        text.push_str(&format!(" {} |", who.heading()));
    }
    text.push_str(&format!("\n|---|{}\n", "---|".repeat(EVERYONE.len())));
    for (row, answers) in rows.iter().zip(got) {
        text.push_str(&format!("| `{}` |", row.label));
        for (expected, answer) in row.expected.iter().zip(answers) {
            match answer == expected {
                true => text.push_str(&format!(" {answer} |")),
                false => text.push_str(&format!(" **{answer}** (expected {expected}) |")),
            }
        }
        text.push('\n');
    }
    text
}

/// Prints the table and keeps it in `target/test-output/web_access/matrix.md`.
fn keep(table: &str) {
    let folder = repo().join("target/test-output/web_access");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("matrix.md"), table).unwrap();
    println!("{table}\n(kept in {})", folder.join("matrix.md").display());
}

#[test]
fn every_route_answers_every_role_as_designed_and_no_department_reads_the_other() {
    let world = world();
    let mut visitors: Vec<Visitor> = EVERYONE
        .iter()
        .map(|w| visitor(&world.portal, *w))
        .collect();
    for visitor in &mut visitors {
        // A session copied to the other city's paths, as an attacker would send it.
        if let Some(id) = visitor.http.cookie(SESSION_COOKIE) {
            visitor
                .http
                .set_cookie(&format!("/{}/", MUSASHINO.0), SESSION_COOKIE, &id);
        }
    }
    let rows = rows(&world);
    let mut got = Vec::new();
    let (mut leaks, mut changed) = (Vec::new(), Vec::new());
    for row in &rows {
        let mut answers = Vec::new();
        for (who, visitor) in EVERYONE.iter().zip(&mut visitors) {
            let before = action_state(&world.portal);
            let reply = send(visitor, row, *who);
            leaks.extend(leaks_in(&reply, row, *who));
            let answer = outcome(&reply);
            if let Send::Action(_) = row.send {
                changed.extend(after_action(&world.portal, row, *who, &answer, before));
            }
            answers.push(answer);
        }
        got.push(answers);
    }
    let table = table(&rows, &got);
    keep(&table);
    assert!(
        !table.contains("(expected"),
        "answers differ from the design:\n{table}"
    );
    assert!(leaks.is_empty(), "{leaks:#?}");
    let (done, changed): (Vec<String>, Vec<String>) = changed
        .into_iter()
        .partition(|c| c.contains(" by Planning "));
    assert!(
        changed.is_empty(),
        "a refused POST changed the store: {changed:#?}"
    );
    // The check can fail: the planning division's resend, close, open, run and
    // rebuild did change what it looks at.
    assert!(done.len() >= 5, "{done:#?}");
    own_names_are_shown(&world.portal);
}

/// The secrets of the other department (or the unfinished files, for a manager) that a
/// page answered to `who` names.
fn leaks_in(reply: &Reply, row: &Row, who: Who) -> Vec<String> {
    let Some(page) = page_of(reply).filter(|_| reply.status == 200) else {
        return Vec::new();
    };
    secrets_of_the_other(who)
        .into_iter()
        .filter(|secret| page.contains(secret))
        .map(|secret| format!("{} to {:?}: {secret}", row.label, who))
        .collect()
}

/// What the console's actions change: runs in the ledger, mail queued, copies
/// undeliverable, years' collections (and closed ones), submissions, links, sessions,
/// and the year's report index (a fingerprint of its bytes).
fn action_state(portal: &Portal) -> [i64; 10] {
    let counts = [
        "SELECT COUNT(*) FROM job_runs",
        "SELECT COUNT(*) FROM messages",
        "SELECT COUNT(*) FROM deliveries",
        "SELECT COUNT(*) FROM deliveries WHERE state = 'failed'",
        "SELECT COUNT(*) FROM collections",
        "SELECT COUNT(*) FROM collections WHERE state = 'closed'",
        "SELECT COUNT(*) FROM submissions",
        "SELECT COUNT(*) FROM sign_in_links",
        "SELECT COUNT(*) FROM web_sessions WHERE revoked_at IS NULL",
    ]
    .map(|sql| count(portal, sql));
    let mut state = [0; 10];
    state[..9].copy_from_slice(&counts);
    state[9] = index_fingerprint(portal);
    state
}

/// A fingerprint of the first city's index of 2020's reports (what a rebuild rewrites).
fn index_fingerprint(portal: &Portal) -> i64 {
    use std::hash::{Hash, Hasher};
    let index = portal.cities[0].path().join("reports/令和2年度/index.json");
    let bytes = std::fs::read(&index).unwrap_or_else(|e| panic!("{}: {e}", index.display()));
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish() as i64
}

/// After an action's POST: a refused one must have changed nothing; the planning
/// division's run is waited for, so that the next visitor's check sees a still store.
fn after_action(
    portal: &Portal,
    row: &Row,
    who: Who,
    answer: &str,
    before: [i64; 10],
) -> Vec<String> {
    if who == Who::Planning {
        wait_for_the_run(portal);
        wait_for_the_rebuild(portal);
    }
    let after = action_state(portal);
    if after == before {
        return Vec::new();
    }
    vec![format!(
        "{} by {who:?} ({answer}): {before:?} → {after:?}",
        row.label
    )]
}

/// Waits until the year's rebuild (if one was started) has ended: its result page no
/// longer says it is running.
fn wait_for_the_rebuild(portal: &Portal) {
    let mut planning = visitor(portal, Who::Planning);
    let page = format!("/{CITY}/console/reports/2020/rebuild");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while planning
        .http
        .get(&page)
        .text()
        .contains("作成し直しています")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the rebuild never ended"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Waits until the ledger holds no unfinished run (the run 「今すぐ実行」 started).
fn wait_for_the_run(portal: &Portal) {
    let unfinished = "SELECT COUNT(*) FROM job_runs WHERE finished_at IS NULL";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while count(portal, unfinished) > 0 {
        assert!(std::time::Instant::now() < deadline, "the run never ended");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The check above can fail: each department's own page shows its own file, address
/// and report, the very kind of text the other must not see.
fn own_names_are_shown(portal: &Portal) {
    for (who, own) in [
        (Who::DepartmentA, secrets_of_the_other(Who::DepartmentB)),
        (Who::DepartmentB, secrets_of_the_other(Who::DepartmentA)),
    ] {
        let page = visitor(portal, who)
            .http
            .get(&format!("/{CITY}/department"))
            .text();
        for text in own {
            assert!(page.contains(&text), "{who:?}'s page lacks {text}: {page}");
        }
    }
}

#[test]
fn ids_guessed_out_of_range_or_not_numbers_are_404_like_another_departments() {
    let world = world();
    let mut a = visitor(&world.portal, Who::DepartmentA);
    let next = world.a_id.max(world.b_id) + 1;
    let guesses = [
        world.b_id.to_string(),
        next.to_string(),
        (next + 1000).to_string(),
        "0".into(),
        "-1".into(),
        format!("-{}", world.b_id),
        i64::MAX.to_string(),
        "9223372036854775808".into(),
        "99999999999999999999999".into(),
        "abc".into(),
        format!("{}.0", world.b_id),
        format!("{}%20", world.b_id),
        format!("0x{:x}", world.b_id),
        "%00".into(),
        "..".into(),
    ];
    let mut wrong = Vec::new();
    for guess in &guesses {
        for tail in ["", "/original", "/annotated"] {
            let path = format!("/{CITY}/submissions/{guess}{tail}");
            let reply = a.http.get(&path);
            let page = page_of(&reply).unwrap_or_default();
            if reply.status != 404 || !page.contains("<html lang=\"ja\">") {
                wrong.push(format!("{path}: {}", reply.status));
            }
        }
    }
    assert!(wrong.is_empty(), "not a Japanese 404 page: {wrong:#?}");
    let own = a.http.get(&format!("/{CITY}/submissions/{}", world.a_id));
    assert_eq!(own.status, 200, "the check above can pass");
}

#[test]
fn a_session_ends_at_its_hour_and_when_revoked_signed_out_or_unlisted() {
    let mut portal = Portal::start();
    let mut a = visitor(&portal, Who::DepartmentA);
    let department = format!("/{CITY}/department");
    portal
        .clock
        .advance(chrono::Duration::hours(12) - chrono::Duration::seconds(1));
    assert_eq!(
        a.http.get(&department).status,
        200,
        "alive until its 12th hour"
    );
    portal.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(outcome(&a.http.get(&department)), "303→signin", "expired");
    portal.clock.set(chrono::Utc::now());
    let (mut a, mut b) = (
        visitor(&portal, Who::DepartmentA),
        visitor(&portal, Who::DepartmentB),
    );
    let revoked = portal.hakusho(&["sessions", "--revoke", A]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert_eq!(outcome(&a.http.get(&department)), "303→signin", "revoked");
    assert_eq!(
        b.http.get(&department).status,
        200,
        "another's session stays"
    );
    let config = portal.cities[0].config_path();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "\"総務部 <somu-bu@mitaka.example>\"",
            "\"総務部 <somu-ka@mitaka.example>\"",
        ),
    )
    .unwrap();
    portal.restart();
    b.http.addr = portal.addr;
    assert_eq!(
        outcome(&b.http.get(&department)),
        "303→signin",
        "an address no longer configured"
    );
    let mut planning = visitor(&portal, Who::Planning);
    let all = portal.hakusho(&["sessions", "--revoke-all"]);
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    assert_eq!(
        outcome(&planning.http.get(&format!("/{CITY}/console"))),
        "303→signin"
    );
}

/// The store's count of rows answering a query.
fn count(portal: &Portal, sql: &str) -> i64 {
    portal.cities[0].raw_store().count(sql)
}

/// What a refused POST must leave as it was: links asked for, sessions alive,
/// submissions received.
fn state(portal: &Portal) -> [i64; 3] {
    [
        count(portal, "SELECT COUNT(*) FROM sign_in_links"),
        count(
            portal,
            "SELECT COUNT(*) FROM web_sessions WHERE revoked_at IS NULL",
        ),
        count(portal, "SELECT COUNT(*) FROM submissions"),
    ]
}

/// The tokens a forger might send instead of the right one (None: no field at all).
fn wrong_tokens(other: &str) -> Vec<Option<String>> {
    vec![
        None,
        Some(String::new()),
        Some(other.to_string()),
        Some("0".repeat(64)),
        Some(format!("{other}{other}")),
    ]
}

#[test]
fn every_post_without_its_csrf_token_is_refused_with_403_and_changes_nothing() {
    // No uploads before: the sink then holds the link's mail only.
    let portal = &Portal::start();
    portal.clock.set(jst(2021, 4, 6, 10, 0, 0));
    portal.request_link(&mut portal.http(), CITY, A);
    let (_, link) = portal.links(1).pop().unwrap();
    let (a, b) = (
        visitor(portal, Who::DepartmentA),
        visitor(portal, Who::DepartmentB),
    );
    let before = state(portal);
    let mut refused = Vec::new();
    refused.extend(signin_forms_without_token(portal, &link));
    refused.extend(signed_in_forms_without_token(a, &b));
    let wrong: Vec<&String> = refused.iter().filter(|r| !r.ends_with(": 403")).collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(refused.len(), 23, "every variant was sent: {refused:#?}");
    assert_eq!(state(portal), before, "a refused POST changed the store");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(portal.sink_count(), 1, "no link was mailed");
    let mut http = portal.http();
    assert_eq!(
        portal.use_link(&mut http, &link).status,
        303,
        "the link still works"
    );
}

/// The forms before sign-in (the address form, a link's button): their token is the
/// form cookie's, sent back in the field. Each answer as `what: status`.
fn signin_forms_without_token(portal: &Portal, link: &str) -> Vec<String> {
    let mut answers = Vec::new();
    let form = format!("/{CITY}/signin");
    for path in [form.clone(), link.to_string()] {
        let mut holder = portal.http();
        let right = holder.get(&form).csrf();
        for token in wrong_tokens(&portal.http().get(&form).csrf()) {
            let mut fields = vec![("address", A.to_string())];
            fields.extend(token.clone().map(|t| ("csrf", t)));
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let reply = holder.clone().post_form(&path, &fields);
            answers.push(format!("POST {path} token {token:?}: {}", reply.status));
        }
        // The right token without its cookie (another browser's page).
        let reply = portal
            .http()
            .post_form(&path, &[("csrf", &right), ("address", A)]);
        answers.push(format!(
            "POST {path} without the form cookie: {}",
            reply.status
        ));
    }
    answers
}

/// The forms of a signed-in page (sign-out, upload), sent by 企画部 with wrong tokens:
/// 総務部's, none, empty, made up.
fn signed_in_forms_without_token(mut a: Visitor, b: &Visitor) -> Vec<String> {
    let workbook = std::fs::read(repo().join("data/inbox/令和2年度_企画部.xlsx")).unwrap();
    let mut answers = Vec::new();
    for token in wrong_tokens(&b.csrf) {
        let fields: Vec<(&str, &str)> = token.iter().map(|t| ("csrf", t.as_str())).collect();
        let out = a.http.post_form(&format!("/{CITY}/signout"), &fields);
        answers.push(format!("POST signout token {token:?}: {}", out.status));
        let files = [("file", "企画部.xlsx", workbook.as_slice())];
        let up = a
            .http
            .post_multipart(&format!("/{CITY}/upload"), &fields, &files);
        answers.push(format!("POST upload token {token:?}: {}", up.status));
    }
    let form_token = a.http.get(&format!("/{CITY}/signin")).csrf();
    if form_token != a.csrf {
        let fields = [("csrf", form_token.as_str())];
        let out = a.http.post_form(&format!("/{CITY}/signout"), &fields);
        answers.push(format!(
            "POST signout with the sign-in form's token: {}",
            out.status
        ));
    }
    answers
}

const SCRIPT: &str = "<script>alert(1)</script>";
/// A file name with markup and no slash (a slash would cut it to its last part) nor
/// double quote (a browser sends that one as `%22` in the multipart header).
const MARKUP_NAME: &str = "<img src=x onerror=alert(2)>'&.xlsx";

/// 企画部's workbook with a script in a figure cell and in a plan cell, each quoted by
/// its finding, uploaded under a file name made of markup; the submission's id.
fn hostile_upload(portal: &Portal) -> i64 {
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("目標指標", "J2", SCRIPT)
        .text("目標指標", "L3", SCRIPT);
    upload(portal, Who::DepartmentA, MARKUP_NAME, &grid.to_xlsx())
}

/// Every `<script` of a page loads a file of the portal's own (no inline script).
fn only_own_scripts(page: &str) -> bool {
    page.match_indices("<script")
        .all(|(at, _)| page[at..].starts_with("<script src=\"/assets/"))
}

#[test]
fn a_script_in_a_cell_or_markup_in_a_file_name_is_shown_as_text() {
    let portal = Portal::start();
    portal.clock.set(jst(2021, 4, 6, 10, 0, 0));
    let id = hostile_upload(&portal);
    let mut a = visitor(&portal, Who::DepartmentA);
    let paths = [
        format!("/{CITY}/submissions/{id}"),
        format!("/{CITY}/department"),
    ];
    for path in &paths {
        let reply = a.http.get(path);
        let page = reply.text();
        assert!(
            !page.contains(SCRIPT) && !page.contains("<img"),
            "{path}: {page}"
        );
        assert!(only_own_scripts(&page), "{path}: {page}");
        assert!(
            page.contains("&lt;img src=x onerror=alert(2)&gt;'&amp;.xlsx"),
            "{path}: {page}"
        );
        let csp = reply.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
    }
    let submission = a.http.get(&paths[0]).text();
    assert_eq!(
        submission
            .matches("&lt;script&gt;alert(1)&lt;/script&gt;")
            .count(),
        2,
        "{submission}"
    );
    let cookie = a.http.cookie(SESSION_COOKIE).unwrap();
    let base = format!("http://{}", portal.addr);
    browser::runtime().block_on(in_chromium(&base, &cookie, &paths));
}

/// The pages in Chromium: no dialog opens, the script's text is on the page, and the
/// page's scripts are the portal's own file only.
async fn in_chromium(base: &str, cookie: &str, paths: &[String]) {
    let browser = browser::Browser::start("script_in_a_cell").await;
    browser
        .client
        .goto(&format!("{base}/{CITY}/signin"))
        .await
        .unwrap();
    let set = format!("document.cookie = '{SESSION_COOKIE}={cookie}; path=/{CITY}/'");
    browser.client.execute(&set, vec![]).await.unwrap();
    for (step, path) in ["submission", "department"].iter().zip(paths) {
        browser.client.goto(&format!("{base}{path}")).await.unwrap();
        browser.wait_for("main").await;
        assert!(!browser.dialog_is_open().await, "{path}: a dialog opened");
        let text = browser.body_text().await;
        assert!(text.contains("onerror=alert(2)"), "{path}: {text}");
        let inline =
            "return [...document.scripts].filter(s => !s.src.includes('/assets/')).length \
                      + document.querySelectorAll('img').length";
        let found = browser.client.execute(inline, vec![]).await.unwrap();
        assert_eq!(
            found,
            serde_json::json!(0),
            "{path}: markup of the workbook became elements"
        );
        browser.shot(step).await;
    }
    let text = browser.body_text().await;
    assert!(
        !text.contains(SCRIPT),
        "the department page does not show findings"
    );
    browser.close().await;
}

#[test]
fn the_same_department_of_another_city_on_the_same_store_reads_nothing_of_this_one() {
    let world = world();
    let other = MUSASHINO.0;
    let mut elsewhere = world.portal.http();
    let id = web::testing::sign_in(&world.portal.apps[1], A);
    elsewhere.set_cookie(&format!("/{other}/"), SESSION_COOKIE, &id);
    let page = elsewhere.get(&format!("/{other}/department"));
    assert_eq!(page.status, 200, "企画部 of 武蔵野市 is signed in there");
    assert!(!page.text().contains(A_FILE), "{}", page.text());
    let mut paths: Vec<String> = ["", "/original", "/annotated"]
        .iter()
        .map(|tail| format!("/{other}/submissions/{}{tail}", world.a_id))
        .collect();
    paths.push(format!("/{other}/reports/2020/{}", encoded(&a_report())));
    for path in paths {
        assert_eq!(elsewhere.get(&path).status, 404, "{path}");
    }
}

/// The department a workbook's 提出情報 sheet names (B3).
fn department_in(bytes: &[u8], folder: &std::path::Path) -> String {
    let path = folder.join("downloaded.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let grid = Grid::read(&path);
    let info = &grid.sheets.iter().find(|(n, _)| n == "提出情報").unwrap().1;
    match &info[2][1] {
        common::grid::Cell::Text(name) => name.clone(),
        other => panic!("提出情報 B3: {other:?}"),
    }
}

#[test]
fn each_department_downloads_its_own_template_original_and_annotated_copy() {
    let world = world();
    let folder = tempfile::tempdir().unwrap();
    let cases = [
        (Who::DepartmentA, "企画部", world.a_id, &world.sent[0]),
        (Who::DepartmentB, "総務部", world.b_id, &world.sent[1]),
    ];
    for (who, department, id, sent) in cases {
        let mut visitor = visitor(&world.portal, who);
        let mut get = |path: String| {
            let reply = visitor.http.get(&path);
            assert_eq!(reply.status, 200, "{path}");
            reply.body
        };
        let files = [
            get(format!("/{CITY}/template")),
            get(format!("/{CITY}/submissions/{id}/original")),
            get(format!("/{CITY}/submissions/{id}/annotated")),
        ];
        for bytes in &files {
            assert_eq!(department_in(bytes, folder.path()), department);
        }
        assert!(
            &files[1] == sent,
            "{department}: the original is not the bytes sent"
        );
    }
}
