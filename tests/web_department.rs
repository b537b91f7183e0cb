//! What a department sees and does in the portal, over HTTP against the real router on
//! 127.0.0.1:0, with the city's real store (SQLite, or PostgreSQL on the suite's second
//! run) and the loopback SMTP server: an upload with mistakes is answered with its
//! findings and cells, its receipt mailed with the annotated copy, which downloads the
//! same; the corrected upload is accepted; the history lists both with their uploader.
//! A department reads nothing of another's (404 for every id and file, guessed or
//! not) and cannot submit another's workbook; bad requests get Japanese pages.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use chrono::{DateTime, Utc};
use common::grid::{Cell, Grid};
use common::http::{multipart_body, parse_reply, Http, Reply};
use common::portal::{DEPARTMENT as KIKAKU, MANAGER, OTHER_DEPARTMENT as SOMU};
use common::{jst, repo, TestCity};
use hakusho::config::Config;
use hakusho::web;
use mail_parser::MessageParser;

const CITY: &str = "132047";

/// The sample city's portal (tests/common/portal.rs: the real router on 127.0.0.1:0,
/// the city's store, the SMTP sink), its clock at a time of the test's choosing, and
/// requests made with a session cookie given as `name=value`.
struct Portal {
    shared: common::portal::Portal,
    address: SocketAddr,
}

impl Portal {
    fn start(now: DateTime<Utc>) -> Portal {
        let shared = common::portal::Portal::start();
        shared.clock.set(now);
        let address = shared.addr;
        Portal { shared, address }
    }

    fn city(&self) -> &TestCity {
        &self.shared.cities[0]
    }

    /// A session cookie for `address`, made as a used link makes it.
    fn sign_in(&self, address: &str) -> String {
        let id = web::testing::sign_in(self.shared.app(), address);
        format!("{}={id}", web::auth::SESSION_COOKIE)
    }

    fn get(&self, path: &str, cookie: &str) -> Reply {
        Http::new(self.address).request("GET", path, &[("Cookie", cookie)], b"")
    }

    /// Posts a multipart form: the CSRF token and a file (either may be left out).
    fn upload(&self, cookie: &str, csrf: Option<&str>, file: Option<(&str, &[u8])>) -> Reply {
        let boundary = "hakusho-department-test-boundary";
        let fields: Vec<(&str, &str)> = csrf.map(|token| ("csrf", token)).into_iter().collect();
        let files: Vec<(&str, &str, &[u8])> =
            file.map(|(n, b)| ("file", n, b)).into_iter().collect();
        let body = multipart_body(boundary, &fields, &files);
        let kind = format!("multipart/form-data; boundary={boundary}");
        let headers = [("Cookie", cookie), ("Content-Type", kind.as_str())];
        Http::new(self.address).request("POST", &format!("/{CITY}/upload"), &headers, &body)
    }

    /// The CSRF token of the department page's forms.
    fn csrf(&self, cookie: &str) -> String {
        self.get(&format!("/{CITY}/department"), cookie).csrf()
    }

    /// Uploads a file with the page's token; the answer's location (a 303).
    fn submit(&self, cookie: &str, name: &str, bytes: &[u8]) -> String {
        let csrf = self.csrf(cookie);
        let sent = std::time::Instant::now();
        let answer = self.upload(cookie, Some(&csrf), Some((name, bytes)));
        // A figure, not a condition: these machines are shared.
        eprintln!(
            "upload of {} bytes answered in {:?}",
            bytes.len(),
            sent.elapsed()
        );
        assert_eq!(answer.status, 303, "{}", answer.text());
        answer.location().to_string()
    }

    /// The messages the SMTP sink received, once `count` arrived.
    fn mails(&self, count: usize) -> Vec<(Vec<String>, Vec<u8>)> {
        self.shared.sink.wait_for(count)
    }
}

/// Sends a request whose body goes from a thread of its own, so that an answer given
/// before the body is read (413) is read while the body is still being sent.
fn exchange(address: SocketAddr, head: &[u8], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(head).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let body = body.to_vec();
    let sending = std::thread::spawn(move || {
        // The server may answer and close before reading it all: not an error here.
        let _ = writer.write_all(&body);
    });
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let _ = sending.join();
    parse_reply(&raw)
}

/// 2021-04-06 10:00 JST: three days before the sample's deadline (2021-04-09).
fn three_days_before() -> DateTime<Utc> {
    jst(2021, 4, 6, 10, 0, 0)
}

/// 企画部's sample workbook with two mistakes (a text where a number belongs, a plan
/// figure changed).
fn with_mistakes() -> Vec<u8> {
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("目標指標", "J2", "未定")
        .text("目標指標", "L3", "350人");
    grid.to_xlsx()
}

/// A department's sample workbook with a text where a number belongs.
fn mistakes_of(department: &str) -> Vec<u8> {
    let path = repo().join(format!("data/inbox/令和2年度_{department}.xlsx"));
    let mut grid = Grid::read(&path);
    grid.text("目標指標", "J2", "未定");
    grid.to_xlsx()
}

fn sample(department: &str) -> Vec<u8> {
    std::fs::read(repo().join(format!("data/inbox/令和2年度_{department}.xlsx"))).unwrap()
}

/// A city without files in its inbox (the portal is the only way in here).
fn city() -> TestCity {
    let city = TestCity::new(None);
    for entry in std::fs::read_dir(city.inbox()).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    city
}

#[test]
fn an_upload_with_mistakes_shows_its_findings_and_the_corrected_one_is_accepted() {
    let portal = Portal::start(three_days_before());
    let city = portal.city();
    let cookie = portal.sign_in(KIKAKU);
    let page = portal.get(&format!("/{CITY}/department"), &cookie).text();
    for expected in [
        "締切まであと 3 日",
        "未提出",
        "2021年4月9日(金)",
        "まだ提出はありません",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    let bad = with_mistakes();
    let first = portal.submit(&cookie, "企画部_修正前.xlsx", &bad);
    let answer = portal.get(&first, &cookie).text();
    for expected in [
        "差戻し",
        "<td><span class=\"nowrap\">目標指標</span></td><td><span class=\"nowrap\">J2</span></td><td>数値を期待しましたが「未定」でした",
        "<td><span class=\"nowrap\">目標指標</span></td><td><span class=\"nowrap\">L3</span></td><td>計画の値「300人」が「350人」に変わっています",
        "企画部_修正前_要修正.xlsx",
    ] {
        assert!(answer.contains(expected), "{expected}: {answer}");
    }
    let mails = portal.mails(1);
    assert_eq!(mails.len(), 1, "the receipt, as for the inbox");
    let attached = receipt_attachment(&mails[0], KIKAKU, "差戻し");
    let annotated = portal.get(&format!("{first}/annotated"), &cookie);
    assert_eq!(annotated.status, 200);
    assert_eq!(annotated.body, attached, "the copy the receipt attached");
    check_marks(city, &annotated.body);
    let disposition = annotated.header("content-disposition").unwrap();
    assert!(disposition.contains("filename*=UTF-8''%E4%BC%81%E7%94%BB%E9%83%A8_%E4%BF%AE%E6%AD%A3%E5%89%8D_%E8%A6%81%E4%BF%AE%E6%AD%A3.xlsx"), "{disposition}");
    assert_eq!(portal.get(&format!("{first}/original"), &cookie).body, bad);
    let second = portal.submit(&cookie, "令和2年度_企画部.xlsx", &sample("企画部"));
    assert!(portal
        .get(&second, &cookie)
        .text()
        .contains("受け付けました"));
    let mails = portal.mails(2);
    receipt_attachment(&mails[1], KIKAKU, "受理");
    check_history(&portal, &cookie, &[&first, &second]);
}

/// The receipt went to the department; its annotated copy's bytes (empty when none).
fn receipt_attachment(mail: &(Vec<String>, Vec<u8>), to: &str, verdict: &str) -> Vec<u8> {
    assert_eq!(mail.0, [to]);
    let message = MessageParser::default().parse(&mail.1).unwrap();
    assert!(
        message.subject().unwrap().contains(verdict),
        "{:?}",
        message.subject()
    );
    let attached = message.attachments().next().map(|a| a.contents().to_vec());
    attached.unwrap_or_default()
}

/// The annotated copy opens with calamine, keeps the submitter's value, and carries a
/// note on each offending cell.
fn check_marks(city: &TestCity, bytes: &[u8]) {
    let path = city.path().join("downloaded.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let grid = Grid::read(&path);
    let indicators = &grid.sheets.iter().find(|(n, _)| n == "目標指標").unwrap().1;
    assert_eq!(indicators[1][9], Cell::Text("未定".into()));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut notes = String::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        if entry.name().unwrap_or_default().starts_with("xl/comments") {
            entry.read_to_string(&mut notes).unwrap();
        }
    }
    assert!(
        notes.contains("[エラー] 数値を期待しましたが「未定」でした"),
        "{notes}"
    );
    assert!(
        notes.contains("[エラー] 計画の値「300人」が「350人」に変わっています"),
        "{notes}"
    );
}

/// The department page lists both versions, newest first, with who sent them, and the
/// state is the latest's.
fn check_history(portal: &Portal, cookie: &str, versions: &[&str]) {
    let page = portal.get(&format!("/{CITY}/department"), cookie).text();
    let at: Vec<usize> = versions
        .iter()
        .map(|v| page.find(&format!("href=\"{v}\"")).unwrap())
        .collect();
    assert!(at[1] < at[0], "newest first");
    assert_eq!(
        page.matches(KIKAKU).count(),
        3,
        "the header and each version: {page}"
    );
    assert!(
        page.contains("badge accepted") || page.contains("badge noted"),
        "{page}"
    );
    assert!(
        page.contains("差戻し") && page.contains("2021年04月06日 10:00"),
        "{page}"
    );
}

/// Every department route, for one version id.
fn routes_of(id: &str) -> Vec<String> {
    vec![
        format!("/{CITY}/submissions/{id}"),
        format!("/{CITY}/submissions/{id}/original"),
        format!("/{CITY}/submissions/{id}/annotated"),
    ]
}

#[test]
fn a_department_reads_nothing_of_another_and_cannot_submit_its_workbook() {
    let portal = Portal::start(three_days_before());
    let city = portal.city();
    let (kikaku, somu) = (portal.sign_in(KIKAKU), portal.sign_in(SOMU));
    let theirs = portal.submit(&somu, "総務部.xlsx", &mistakes_of("総務部"));
    let their_id = theirs.rsplit('/').next().unwrap().to_string();
    let refused = upload_refused(&portal, &kikaku, &sample("総務部"));
    assert!(!refused.contains("/submissions/"), "{refused}");
    let own_id: i64 = their_id.parse().unwrap();
    let guessed = [
        their_id.clone(),
        (own_id + 1).to_string(),
        "0".into(),
        "-1".into(),
        "abc".into(),
        "99999999999999999999".into(),
        "%2e%2e".into(),
    ];
    for id in &guessed {
        for path in routes_of(id) {
            let answer = portal.get(&path, &kikaku);
            assert_eq!(answer.status, 404, "{path}: {}", answer.text());
            assert!(answer.text().contains("ページが見つかりません"));
        }
    }
    for path in routes_of(&their_id) {
        assert_eq!(
            portal.get(&path, &somu).status,
            200,
            "{path} is 総務部's own"
        );
    }
    check_reports(city, &portal, &kikaku);
    let manager = portal.sign_in(MANAGER);
    assert_eq!(
        portal.get(&format!("/{CITY}/department"), &manager).status,
        403
    );
    assert_eq!(portal.get(&routes_of(&their_id)[0], &manager).status, 403);
}

/// A department downloads its own report of a year, listed by the index the run
/// writes, and nothing else under the reports folder whatever the path says.
fn check_reports(city: &TestCity, portal: &Portal, cookie: &str) {
    use hakusho::report::{Audience, ReportFile};
    let file = |audience: Audience, name: &str| ReportFile {
        audience,
        file_name: name.to_string(),
        bytes: name.as_bytes().to_vec(),
    };
    let files = [
        file(
            Audience::Department("企画部".into()),
            "令和2年度_企画部_報告書.pdf",
        ),
        file(
            Audience::Department("総務部".into()),
            "令和2年度_総務部_報告書.pdf",
        ),
        file(Audience::Whole, "令和2年度_管理者向け要約.pdf"),
    ];
    let reports = city.path().join("reports");
    hakusho::report::write_reports(&reports, hakusho::domain::FiscalYear(2020), &files).unwrap();
    let page = portal.get(&format!("/{CITY}/department"), cookie).text();
    assert!(
        page.contains("令和2年度_企画部_報告書.pdf") && !page.contains("総務部_報告書"),
        "{page}"
    );
    let own = portal.get(
        &format!(
            "/{CITY}/reports/2020/{}",
            url("令和2年度_企画部_報告書.pdf")
        ),
        cookie,
    );
    assert_eq!(
        (own.status, own.body.as_slice()),
        (200, "令和2年度_企画部_報告書.pdf".as_bytes())
    );
    for name in [
        "令和2年度_総務部_報告書.pdf",
        "令和2年度_管理者向け要約.pdf",
        "index.json",
        "..%2F..%2Fhakusho.toml",
        "%2E%2E",
        "..",
        "..%2Fhakusho.sqlite3",
    ] {
        for year in ["2020", "2019", "..", "-2147483648", "2147483647"] {
            let path = format!(
                "/{CITY}/reports/{year}/{}",
                if name.contains('%') || name == ".." {
                    name.to_string()
                } else {
                    url(name)
                }
            );
            let answer = portal.get(&path, cookie);
            assert!(matches!(answer.status, 404), "{path}: {}", answer.status);
        }
    }
}

fn url(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[test]
fn bad_requests_get_a_japanese_page_and_nothing_is_taken_in() {
    let portal = Portal::start(three_days_before());
    let cookie = portal.sign_in(KIKAKU);
    let csrf = portal.csrf(&cookie);
    let declared = format!("POST /{CITY}/upload HTTP/1.1\r\nHost: t\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", 21 * 1024 * 1024);
    let answer = exchange(portal.address, declared.as_bytes(), &[]);
    assert_eq!(answer.status, 413, "refused before the body is read");
    assert!(
        answer.text().contains("ファイルが大きすぎます"),
        "{}",
        answer.text()
    );
    assert_eq!(
        chunked_upload(&portal, &cookie, &csrf, 21 * 1024 * 1024).status,
        413
    );
    let form = format!("POST /{CITY}/upload HTTP/1.1\r\nHost: t\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\nConnection: close\r\n\r\n");
    let not_multipart = exchange(portal.address, form.as_bytes(), b"csrf=abcd");
    assert_eq!(not_multipart.status, 400);
    assert!(not_multipart
        .text()
        .contains("ファイルの送信フォームとして読めませんでした"));
    let no_file = portal.upload(&cookie, Some(&csrf), None);
    assert_eq!(no_file.status, 400);
    assert!(
        no_file.text().contains("ファイルが選ばれていません"),
        "{}",
        no_file.text()
    );
    let empty = portal.upload(&cookie, Some(&csrf), Some(("空.xlsx", b"")));
    assert_eq!(empty.status, 400);
    assert!(empty.text().contains("空(0 バイト)"));
    let without_token = portal.upload(&cookie, None, Some(("a.xlsx", &sample("企画部"))));
    assert_eq!(without_token.status, 403);
    let wrong_token = portal.upload(
        &cookie,
        Some("0".repeat(64).as_str()),
        Some(("a.xlsx", &sample("企画部"))),
    );
    assert_eq!(wrong_token.status, 403);
    let signed_out = portal.upload(
        "hakusho_session=nobody",
        Some(&csrf),
        Some(("a.xlsx", &sample("企画部"))),
    );
    assert_eq!(
        (signed_out.status, signed_out.header("location")),
        (303, Some("/132047/signin"))
    );
    let page = portal.get(&format!("/{CITY}/department"), &cookie).text();
    assert!(
        page.contains("まだ提出はありません"),
        "nothing was taken in: {page}"
    );
}

/// A chunked upload whose file runs past the limit, the token first.
fn chunked_upload(portal: &Portal, cookie: &str, csrf: &str, size: usize) -> Reply {
    let head = format!("POST /{CITY}/upload HTTP/1.1\r\nHost: t\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    let mut plain = format!("--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n\r\n").into_bytes();
    plain.resize(plain.len() + size, b'P');
    let mut body = Vec::new();
    for chunk in plain.chunks(64 * 1024) {
        body.extend(format!("{:x}\r\n", chunk.len()).bytes());
        body.extend_from_slice(chunk);
        body.extend(b"\r\n");
    }
    body.extend(b"0\r\n\r\n");
    exchange(portal.address, head.as_bytes(), &body)
}

#[test]
fn workbook_text_and_names_are_shown_as_text_and_japanese_names_round_trip() {
    let portal = Portal::start(three_days_before());
    let cookie = portal.sign_in(KIKAKU);
    let hostile = "<script>alert(1)</script>\"'&<>";
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("目標指標", "J2", hostile)
        .text("目標指標", "L3", hostile);
    // A browser sends `"` in a file name as %22, and a `/` would end the name's last part.
    let name = "<img src=x onerror=alert(1)>'&<>.xlsx";
    let location = portal.submit(&cookie, name, &grid.to_xlsx());
    let escaped_name = "&lt;img src=x onerror=alert(1)&gt;'&amp;&lt;&gt;.xlsx";
    let answer = portal.get(&location, &cookie).text();
    assert!(
        !answer.contains("<script>alert(1)</script>") && !answer.contains("<img"),
        "{answer}"
    );
    assert!(
        answer.contains("「&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;&lt;&gt;」"),
        "{answer}"
    );
    assert!(answer.contains(escaped_name), "{answer}");
    let page = portal.get(&format!("/{CITY}/department"), &cookie).text();
    assert!(
        !page.contains("<img") && page.contains(escaped_name),
        "{page}"
    );
    let japanese = "令和2年度_𠮷野部_提出.xlsx";
    let location = portal.submit(&cookie, japanese, &sample("企画部"));
    let page = portal.get(&location, &cookie).text();
    assert!(page.contains(japanese), "{page}");
    let original = portal.get(&format!("{location}/original"), &cookie);
    let disposition = original.header("content-disposition").unwrap();
    let encoded = disposition.split("filename*=UTF-8''").nth(1).unwrap();
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, japanese, "{disposition}");
    assert!(
        disposition.starts_with("attachment; filename=\"__2_________.xlsx\";"),
        "{disposition}"
    );
    let history = portal.get(&format!("/{CITY}/department"), &cookie).text();
    assert!(history.contains(japanese));
}

/// The staged folders of one test: whose each is decides what serve does with it.
struct LeftUploads {
    /// Whole, its process gone: taken in at the start.
    orphan: std::path::PathBuf,
    /// Whole, held by a live process (this test, as another replica would): left to
    /// it, then taken in by serve's look once the holder is gone.
    held: web::department::upload::StagedUpload,
    /// Never made whole, its process gone (a body cut by kill -9): removed at once.
    cut: std::path::PathBuf,
    /// Without a lock file (just being made, or an older hakusho's): left while young,
    /// removed once an hour old when never whole.
    young: std::path::PathBuf,
    old: std::path::PathBuf,
}

fn leave_uploads(config: &Config) -> LeftUploads {
    let stage = |department: &str, address: &str| {
        let bytes = sample(department);
        let name = format!("令和2年度_{department}.xlsx");
        web::department::upload::stage(config, &name, &bytes, department, address).unwrap()
    };
    let mut orphan = stage("企画部", KIKAKU);
    orphan.held = None;
    let held = stage("総務部", SOMU);
    // What a process killed mid-body leaves: its lock file (the kernel let go of the
    // lock), part of the file, no `by`.
    let cut_dir = orphan.dir.with_file_name("cut-by-a-kill");
    std::fs::create_dir_all(cut_dir.join("file")).unwrap();
    std::fs::write(cut_dir.join("lock"), b"").unwrap();
    std::fs::write(cut_dir.join("file/cut.xlsx"), b"PK\x03\x04").unwrap();
    let uploads = web::department::upload::uploads_dir(config);
    let (young, old) = (uploads.join("young"), uploads.join("old"));
    for dir in [&young, &old] {
        std::fs::create_dir_all(dir.join("file")).unwrap();
        std::fs::write(dir.join("file/half.xlsx"), b"PK").unwrap();
    }
    let touched = std::process::Command::new("touch")
        .args(["-d", "2 hours ago"])
        .arg(&old)
        .status()
        .unwrap();
    assert!(touched.success());
    LeftUploads {
        orphan: orphan.dir,
        held,
        cut: cut_dir,
        young,
        old,
    }
}

#[test]
fn serve_takes_in_only_the_uploads_whose_process_is_gone_and_removes_cut_ones() {
    let city = city();
    // The test city's portal listens on a free port (127.0.0.1:0).
    let config = Config::read(&city.config_path()).unwrap();
    let mut left = leave_uploads(&config);
    let daemon = std::process::Command::new(env!("CARGO_BIN_EXE_hakusho"))
        .args(["serve", "--config"])
        .arg(city.config_path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let outbox = city.path().join("outbox");
    let receipts = || std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    let wait_until = |done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(150);
        while !done() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    wait_until(&|| !left.orphan.exists() && receipts() == 1);
    assert!(left.held.dir.exists(), "a live process's upload is its own");
    assert!(
        !left.cut.exists(),
        "a cut upload whose process is gone is removed"
    );
    // The holder dies: serve's next look (each minute) takes its upload in.
    left.held.held = None;
    wait_until(&|| !left.held.dir.exists() && receipts() == 2);
    let output = common::terminate(daemon);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!left.orphan.exists() && !left.held.dir.exists(), "{log}");
    assert!(left.young.exists() && !left.old.exists(), "{log}");
    assert_eq!(receipts(), 2, "one receipt each, no other: {log}");
    let mut store = city.raw_store();
    for (address, department) in [(KIKAKU, "企画部"), (SOMU, "総務部")] {
        let by = store.count(&format!(
            "SELECT COUNT(*) FROM submissions WHERE uploaded_by = '{address}' AND department = '{department}'"
        ));
        assert_eq!(by, 1, "{department}: {log}");
    }
    assert_eq!(store.count("SELECT COUNT(*) FROM submissions"), 2, "{log}");
}

#[test]
fn the_page_tells_the_days_past_the_deadline_and_offers_the_template() {
    let portal = Portal::start(jst(2021, 4, 11, 9, 0, 0));
    let city = portal.city();
    let cookie = portal.sign_in(KIKAKU);
    let page = portal.get(&format!("/{CITY}/department"), &cookie).text();
    assert!(page.contains("締切を 2 日過ぎています"), "{page}");
    assert!(
        page.contains("<span class=\"badge overdue\">期限超過</span>"),
        "{page}"
    );
    let template = portal.get(&format!("/{CITY}/template"), &cookie);
    assert_eq!(template.status, 200);
    let disposition = template.header("content-disposition").unwrap();
    let encoded = disposition.split("filename*=UTF-8''").nth(1).unwrap();
    let name = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .unwrap();
    assert_eq!(name, "令和2年度_企画部_提出用.xlsx");
    let path = city.path().join("template.xlsx");
    std::fs::write(&path, &template.body).unwrap();
    let grid = Grid::read(&path);
    assert!(grid.sheets.iter().any(|(n, _)| n == "提出情報"));
    let manager = portal.sign_in(MANAGER);
    assert_eq!(
        portal.get(&format!("/{CITY}/template"), &manager).status,
        403
    );
    let signed_out = portal.get(&format!("/{CITY}/template"), "hakusho_session=none");
    assert_eq!(signed_out.status, 303);
}

/// The class of file names a browser (or someone pretending to be one) may send: each
/// is kept as its last part, without marks, cut at a character, and shown as kept.
#[test]
fn an_uploaded_file_name_is_kept_safely_whatever_was_sent() {
    let portal = Portal::start(three_days_before());
    let city = portal.city();
    let cookie = portal.sign_in(KIKAKU);
    let long = format!("{}.xlsx", "企".repeat(98));
    let cases = [
        ("../../x.xlsx", "x.xlsx".to_string()),
        ("C:\\a\\b.xlsx", "b.xlsx".to_string()),
        ("/etc/passwd", "passwd".to_string()),
        ("invoice\u{202E}xslx.exe", "invoicexslx.exe".to_string()),
        ("\u{200F}企画部\u{2069}.xlsx", "企画部.xlsx".to_string()),
        (long.as_str(), format!("{}.xlsx", "企".repeat(65))),
        ("", "提出ファイル.xlsx".to_string()),
        ("..", "提出ファイル.xlsx".to_string()),
    ];
    for (i, (sent, kept)) in cases.iter().enumerate() {
        // Different bytes each time: the same bytes twice would be one submission.
        let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
        grid.text("目標指標", "J2", &format!("未定{i}"));
        let location = portal.submit(&cookie, sent, &grid.to_xlsx());
        let page = portal.get(&location, &cookie).text();
        assert!(
            page.contains(&format!("<dd>{kept}</dd>")),
            "{sent:?} → {kept}: {page}"
        );
        let original = portal.get(&format!("{location}/original"), &cookie);
        let disposition = original.header("content-disposition").unwrap();
        let encoded = disposition.split("filename*=UTF-8''").nth(1).unwrap();
        let name = percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .unwrap();
        assert_eq!(&name, kept, "{sent:?}");
    }
    let uploads = city.path().join("archive/uploads");
    let left = std::fs::read_dir(&uploads).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "every staged upload was taken in and removed");
}

/// 企画部 uploads a workbook of another department: refused with the finding that
/// names both (sheet and cell), the page of a refusal, and nothing recorded: the page
/// of 企画部 still has no submission. The page's text.
fn upload_refused(portal: &Portal, kikaku: &str, bytes: &[u8]) -> String {
    let csrf = portal.csrf(kikaku);
    let answer = portal.upload(kikaku, Some(&csrf), Some(("他部のブック.xlsx", bytes)));
    let page = answer.text();
    assert_eq!(answer.status, 422, "{page}");
    for expected in [
        "記録していません",
        "の提出用ですが、企画部としてログインしています",
        "<td><span class=\"nowrap\">提出情報</span></td><td><span class=\"nowrap\">B",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    assert!(
        !page.contains("以前に受け付けた") && !page.contains("/submissions/"),
        "{page}"
    );
    let own = portal.get(&format!("/{CITY}/department"), kikaku).text();
    assert!(
        own.contains("まだ提出はありません"),
        "nothing recorded: {own}"
    );
    page
}

/// Another department's workbook uploaded by 企画部 claims nothing: 総務部 submits the
/// same bytes afterwards through the portal, and 市民部 through the inbox, each
/// recorded as its own with its receipt. Uploaded again once they are 総務部's, the
/// bytes are refused the same way, never "received before".
#[test]
fn another_departments_workbook_is_refused_unrecorded_and_its_department_submits_it() {
    let portal = Portal::start(three_days_before());
    let (kikaku, somu) = (portal.sign_in(KIKAKU), portal.sign_in(SOMU));
    let theirs = sample("総務部");
    let page = upload_refused(&portal, &kikaku, &theirs);
    assert!(page.contains("総務部の提出用"), "{page}");
    let recorded = portal.submit(&somu, "令和2年度_総務部.xlsx", &theirs);
    let answer = portal.get(&recorded, &somu).text();
    assert!(answer.contains("受け付けました"), "{answer}");
    let mails = portal.mails(1);
    assert_eq!(mails.len(), 1, "総務部's receipt only: {:?}", mails[0].0);
    assert_eq!(mails[0].0, [SOMU]);
    let again = upload_refused(&portal, &kikaku, &theirs);
    assert!(!again.contains("受付済み"), "{again}");
    let shimin = repo().join("data/inbox/令和2年度_市民部.xlsx");
    upload_refused(&portal, &kikaku, &std::fs::read(&shimin).unwrap());
    let city = portal.city();
    let out = city.hakusho(&["ingest", shimin.to_str().unwrap()]);
    let printed = common::stdout_of(&out);
    assert!(printed.contains("受理"), "{printed}");
    let mails = portal.mails(2);
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].0, ["shimin-bu@mitaka.example"], "市民部's receipt");
    let store = city.store();
    let kikaku_rows = store.department_history(CITY, "企画部", None).unwrap();
    assert!(kikaku_rows.is_empty(), "{kikaku_rows:?}");
    for department in ["総務部", "市民部"] {
        let rows = store.department_history(CITY, department, None).unwrap();
        assert_eq!(rows.len(), 1, "{department}: {rows:?}");
    }
}

/// The same bytes again from the same department: no new submission, and a page that
/// says so, naming the earlier one and where the department stands now (差戻し after a
/// later one was sent back), with no second receipt.
#[test]
fn the_same_bytes_again_name_the_earlier_submission_and_the_state_now() {
    let portal = Portal::start(three_days_before());
    let kikaku = portal.sign_in(KIKAKU);
    let good = sample("企画部");
    let first = portal.submit(&kikaku, "企画部.xlsx", &good);
    let later = portal.submit(&kikaku, "企画部_修正前.xlsx", &with_mistakes());
    let csrf = portal.csrf(&kikaku);
    let again = portal.upload(&kikaku, Some(&csrf), Some(("企画部_もう一度.xlsx", &good)));
    assert_eq!(again.status, 200, "{}", again.text());
    let page = again.text();
    let first_id = first.rsplit('/').next().unwrap();
    let later_id = later.rsplit('/').next().unwrap();
    for expected in [
        format!("<a href=\"{first}\">提出#{first_id}</a>(2021年04月06日 10:00 受付、受理"),
        "と同じ内容で、すでに受け付けています。新しい提出にはなりません。".to_string(),
        format!("現在の状態: <span class=\"badge sent-back\">差戻し</span> (<a href=\"{later}\">提出#{later_id}</a>)"),
        "差し戻された点を直したブックを提出してください。".to_string(),
    ] {
        assert!(page.contains(&expected), "{expected}: {page}");
    }
    let own_again = portal.upload(&kikaku, Some(&csrf), Some(("再送.xlsx", &with_mistakes())));
    let page = own_again.text();
    assert!(
        page.contains("この提出が現在の提出で、差し戻されています"),
        "{page}"
    );
    assert_eq!(portal.mails(2).len(), 2, "one receipt per submission");
    let history = portal.get(&format!("/{CITY}/department"), &kikaku).text();
    assert_eq!(history.matches("提出#").count(), 2, "{history}");
}

/// Two files in one upload: a Japanese 400, and neither is taken in.
#[test]
fn two_files_in_one_upload_are_refused() {
    let portal = Portal::start(three_days_before());
    let kikaku = portal.sign_in(KIKAKU);
    let csrf = portal.csrf(&kikaku);
    let (good, bad) = (sample("企画部"), with_mistakes());
    let boundary = "hakusho-two-files";
    let files: [(&str, &str, &[u8]); 2] = [("file", "a.xlsx", &good), ("file", "b.xlsx", &bad)];
    let body = multipart_body(boundary, &[("csrf", &csrf)], &files);
    let kind = format!("multipart/form-data; boundary={boundary}");
    let headers = [("Cookie", kikaku.as_str()), ("Content-Type", kind.as_str())];
    let answer =
        Http::new(portal.address).request("POST", &format!("/{CITY}/upload"), &headers, &body);
    assert_eq!(answer.status, 400);
    assert!(
        answer.text().contains("1回に提出できるファイルは1つです"),
        "{}",
        answer.text()
    );
    let page = portal.get(&format!("/{CITY}/department"), &kikaku).text();
    assert!(page.contains("まだ提出はありません"), "{page}");
}
