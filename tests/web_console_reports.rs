//! The console's reports (issue 15): every file of a year's index listed and served as
//! it is on disk, nothing else whatever the path says; a year rebuilt through the same
//! code as `hakusho build`, telling what changed since the build before (nothing, then
//! exactly the department that uploaded a new version); one rebuild of a year at a
//! time; only the planning division, only with the form's token. Real router on
//! 127.0.0.1:0, the real store, the real `hakusho run --once` beside it.

#[path = "common/browser.rs"]
mod browser;
mod common;

use common::grid::Grid;
use common::http::{Http, Reply};
use common::portal::{Portal, DEPARTMENT, MANAGER, MITAKA, PLANNING};
use common::{jst, repo, stdout_of};
use hakusho::domain::FiscalYear;
use hakusho::report::index::{read_index, ReportIndex};
use hakusho::web::{self, auth::SESSION_COOKIE};

const CITY: &str = MITAKA.0;
const YEAR: FiscalYear = FiscalYear(2020);

/// The sample city's portal three days before the deadline, after `run --once` took
/// in the sample inbox and built the year's reports.
fn portal_after_a_run() -> Portal {
    let portal = Portal::start();
    portal.clock.set(jst(2021, 4, 6, 10, 0, 0));
    let stdout = stdout_of(&portal.hakusho(&["run", "--once"]));
    assert!(stdout.contains("報告書"), "{stdout}");
    portal
}

/// A session of `address`: its cookie value and its forms' token.
fn session(portal: &Portal, address: &str) -> (String, String) {
    let id = web::testing::sign_in(portal.app(), address);
    let csrf = web::testing::csrf_of(portal.app(), &id);
    (format!("{SESSION_COOKIE}={id}"), csrf)
}

fn get(portal: &Portal, cookie: &str, path: &str) -> Reply {
    Http::new(portal.addr).request("GET", path, &[("Cookie", cookie)], b"")
}

/// Presses a year's 「再作成」 with `csrf` (none: the field left out).
fn rebuild(portal: &Portal, cookie: &str, year: &str, csrf: Option<&str>) -> Reply {
    let body = csrf.map_or(String::new(), |t| common::http::form_body(&[("csrf", t)]));
    let headers = [
        ("Cookie", cookie),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let path = format!("/{CITY}/console/reports/{year}/rebuild");
    Http::new(portal.addr).request("POST", &path, &headers, body.as_bytes())
}

/// Presses 「再作成」 as the planner and follows the 303 to the result page until
/// the build is done: the result page's text.
fn rebuilt(portal: &Portal, cookie: &str, csrf: &str) -> String {
    let pressed = rebuild(portal, cookie, "2020", Some(csrf));
    assert_eq!(pressed.status, 303, "{}", pressed.text());
    let result = pressed.location().to_string();
    assert_eq!(result, format!("/{CITY}/console/reports/2020/rebuild"));
    wait_for_result(portal, cookie, &result)
}

/// The result page once it no longer says the build is running (no time limit but
/// the harness's: a loaded machine builds slowly).
fn wait_for_result(portal: &Portal, cookie: &str, path: &str) -> String {
    loop {
        let page = get(portal, cookie, path);
        assert_eq!(page.status, 200, "{}", page.text());
        let text = page.text();
        if !text.contains("作成し直しています") {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

fn url(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn reports_dir(portal: &Portal) -> std::path::PathBuf {
    portal.cities[0].path().join("reports")
}

fn index_of(portal: &Portal) -> ReportIndex {
    read_index(&reports_dir(portal), YEAR).expect("the year's index")
}

/// The rows of the first table after `heading` on a page, as their HTML.
fn rows_after(page: &str, heading: &str) -> Vec<String> {
    let at = page
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading}:\n{page}"));
    let table = &page[at..];
    let end = table.find("</table>").unwrap();
    table[..end]
        .split("<tr>")
        .skip(2) // before the header row, and the header row
        .map(str::to_string)
        .collect()
}

#[test]
fn the_list_offers_every_file_of_the_index_and_each_download_is_the_file() {
    let portal = portal_after_a_run();
    let (planner, _) = session(&portal, PLANNING);
    let index = index_of(&portal);
    // What the run recorded: when, each department's submission, each file's digest.
    assert!(index.built_at.is_some());
    let inputs = index.inputs.as_ref().expect("the run records its inputs");
    assert!(inputs.departments.iter().all(|d| d.submission.is_some()));
    assert_eq!(inputs.plan_sha256.len(), 64);
    let page = get(&portal, &planner, &format!("/{CITY}/console/reports"));
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.text();
    assert!(
        page.contains("令和2年度") && page.contains("再作成"),
        "{page}"
    );
    assert!(page.contains("全庁") && page.contains("企画部"), "{page}");
    assert_eq!(index.files.len(), 26);
    for file in &index.files {
        let href = format!("/{CITY}/console/reports/2020/{}", url(&file.file_name));
        assert!(page.contains(&href), "{} not listed", file.file_name);
        let answer = get(&portal, &planner, &href);
        assert_eq!(answer.status, 200, "{href}");
        let on_disk = std::fs::read(reports_dir(&portal).join("令和2年度").join(&file.file_name));
        assert!(
            answer.body == on_disk.unwrap(),
            "{} as on disk",
            file.file_name
        );
        assert_eq!(file.size, Some(answer.body.len() as u64));
        let disposition = answer.header("content-disposition").unwrap();
        let (_, encoded) = disposition.split_once("filename*=UTF-8''").unwrap();
        let name = percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .unwrap();
        assert_eq!(name, file.file_name, "{disposition}");
    }
}

#[test]
fn nothing_but_an_indexed_file_is_served_whatever_the_path() {
    let portal = portal_after_a_run();
    let (planner, _) = session(&portal, PLANNING);
    let names = [
        "index.json",
        "..",
        "%2E%2E",
        "%2e%2e",
        "..%2F..%2Fhakusho.toml",
        "%2E%2E%2F%2E%2E%2Fhakusho.sqlite3",
        "%2Fetc%2Fpasswd",
        "%00",
        &format!("{}%00", url("令和2年度_自治体経営白書.pdf")),
        &format!(
            "{}%2F..%2F..%2Fhakusho.toml",
            url("令和2年度_自治体経営白書.pdf")
        ),
        "%E4%BB%A4%E5%92%8C2%E5%B9%B4%E5%BA%A6.pdf",
    ];
    let white_paper = url("令和2年度_自治体経営白書.pdf");
    for year in ["2020", "2019", "..", "%2E%2E", "-1", "99999", "2147483648"] {
        for name in names
            .iter()
            .map(|n| n.to_string())
            .chain([white_paper.clone()])
        {
            if year == "2020" && name == white_paper {
                continue;
            }
            let path = format!("/{CITY}/console/reports/{year}/{name}");
            let answer = get(&portal, &planner, &path);
            assert_eq!(answer.status, 404, "{path}");
            assert!(answer.text().contains("ページが見つかりません"), "{path}");
        }
    }
    let ok = get(
        &portal,
        &planner,
        &format!("/{CITY}/console/reports/2020/{white_paper}"),
    );
    assert_eq!(ok.status, 200);
}

#[test]
fn only_the_planning_division_with_its_token_rebuilds_and_one_at_a_time() {
    let portal = portal_after_a_run();
    let before = std::fs::read(reports_dir(&portal).join("令和2年度/index.json")).unwrap();
    let unchanged = || std::fs::read(reports_dir(&portal).join("令和2年度/index.json")).unwrap();
    let white_paper = format!(
        "/{CITY}/console/reports/2020/{}",
        url("令和2年度_自治体経営白書.pdf")
    );
    for address in [MANAGER, DEPARTMENT] {
        let (cookie, csrf) = session(&portal, address);
        let result = format!("/{CITY}/console/reports/2020/rebuild");
        for path in [
            format!("/{CITY}/console/reports"),
            white_paper.clone(),
            result,
        ] {
            assert_eq!(get(&portal, &cookie, &path).status, 403, "{address} {path}");
        }
        assert_eq!(
            rebuild(&portal, &cookie, "2020", Some(&csrf)).status,
            403,
            "{address}"
        );
    }
    let signed_out = get(&portal, "", &format!("/{CITY}/console/reports"));
    assert_eq!(signed_out.status, 303);
    assert_eq!(rebuild(&portal, "", "2020", None).status, 303);
    let (planner, csrf) = session(&portal, PLANNING);
    assert_eq!(rebuild(&portal, &planner, "2020", None).status, 403);
    assert_eq!(
        rebuild(&portal, &planner, "2020", Some("wrong")).status,
        403
    );
    let (_, others) = session(&portal, PLANNING);
    assert_eq!(
        rebuild(&portal, &planner, "2020", Some(&others)).status,
        403
    );
    for year in ["2019", "2021", "..", "abc"] {
        assert_eq!(
            rebuild(&portal, &planner, year, Some(&csrf)).status,
            404,
            "{year}"
        );
    }
    assert!(unchanged() == before, "nothing was rebuilt");
    one_rebuild_at_a_time(&portal, &planner, &csrf);
}

/// While a rebuild of the year runs (held here, in the portal's process), a press is
/// told so and builds nothing; once it is over, a press rebuilds, its result page the
/// planning division's only.
fn one_rebuild_at_a_time(portal: &Portal, planner: &str, csrf: &str) {
    let index = reports_dir(portal).join("令和2年度/index.json");
    let before = std::fs::read(&index).unwrap();
    let held = web::console::reports::Building::claim(portal.app(), YEAR).unwrap();
    let busy = rebuild(portal, planner, "2020", Some(csrf));
    assert_eq!(busy.status, 409);
    assert!(
        busy.text().contains("作成し直しているところ"),
        "{}",
        busy.text()
    );
    assert!(
        std::fs::read(&index).unwrap() == before,
        "nothing was rebuilt beside it"
    );
    drop(held);
    let done = rebuilt(portal, planner, csrf);
    assert!(done.contains("作成し直しました(26 件)"), "{done}");
    let result = format!("/{CITY}/console/reports/2020/rebuild");
    let (manager, _) = session(portal, MANAGER);
    assert_eq!(get(portal, &manager, &result).status, 403);
    let unknown = format!("/{CITY}/console/reports/2019/rebuild");
    assert_eq!(get(portal, planner, &unknown).status, 404);
}

#[test]
fn a_rebuild_names_exactly_the_department_that_sent_a_new_version() {
    let portal = portal_after_a_run();
    let (planner, csrf) = session(&portal, PLANNING);
    // The run's inputs again: every input is the same (the files print another time).
    let first = rebuilt(&portal, &planner, &csrf);
    assert!(first.contains("提出の変わった部はありません"), "{first}");
    let inputs = rows_after(&first, "<h3>入力</h3>");
    assert_eq!(
        inputs.len(),
        10 + 2,
        "each department, the plan, the templates"
    );
    assert!(inputs.iter().all(|r| r.contains("変更なし")), "{inputs:?}");
    // Again at the same build time: every file is the same bytes too.
    let second = rebuilt(&portal, &planner, &csrf);
    assert!(
        !second.contains("変更あり") && !second.contains("新規"),
        "{second}"
    );
    assert_eq!(rows_after(&second, "<h3>報告書</h3>").len(), 26);
    let old_id = submission_of(&index_of(&portal), "企画部");
    upload_a_new_version(&portal);
    let third = rebuilt(&portal, &planner, &csrf);
    assert!(third.contains("提出の変わった部: 企画部。"), "{third}");
    let new_id = submission_of(&index_of(&portal), "企画部");
    assert_ne!(old_id, new_id);
    let changed: Vec<String> = rows_after(&third, "<h3>入力</h3>")
        .into_iter()
        .filter(|r| !r.contains("変更なし"))
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0].contains("企画部") && changed[0].contains("変更あり"),
        "{changed:?}"
    );
    assert!(
        changed[0].contains(&format!("提出#{new_id}")),
        "{changed:?}"
    );
    assert!(
        changed[0].contains(&format!("提出#{old_id}")),
        "{changed:?}"
    );
    // Its files changed. Another department's files may change too: each data
    // workbook records the digest of the whole year's dataset (a figure, not a rule).
    let files = rows_after(&third, "<h3>報告書</h3>");
    let theirs: Vec<&String> = files.iter().filter(|r| r.contains("企画部</td>")).collect();
    assert_eq!(theirs.len(), 2, "{files:?}");
    assert!(theirs.iter().all(|r| r.contains("変更あり")), "{theirs:?}");
    let changed = files.iter().filter(|r| r.contains("変更あり")).count();
    eprintln!(
        "files changed by 企画部's new version: {changed} of {}",
        files.len()
    );
}

/// The submission id the index records for a department.
fn submission_of(index: &ReportIndex, department: &str) -> i64 {
    let inputs = index.inputs.as_ref().unwrap();
    let found = inputs
        .departments
        .iter()
        .find(|d| d.department == department);
    found.and_then(|d| d.submission.as_ref()).unwrap().id
}

/// 企画部 uploads its workbook again with a new policy text: accepted (303).
fn upload_a_new_version(portal: &Portal) {
    let (cookie, csrf) = session(portal, DEPARTMENT);
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    let row = grid.row_of("部の運営方針", 0, "運営方針");
    grid.text("部の運営方針", &format!("B{row}"), "新しい運営方針です。");
    let bytes = grid.to_xlsx();
    let boundary = "reports-test-boundary";
    let files: [(&str, &str, &[u8]); 1] = [("file", "企画部_第2版.xlsx", &bytes)];
    let body = common::http::multipart_body(boundary, &[("csrf", &csrf)], &files);
    let kind = format!("multipart/form-data; boundary={boundary}");
    let headers = [("Cookie", cookie.as_str()), ("Content-Type", kind.as_str())];
    let path = format!("/{CITY}/upload");
    let answer = Http::new(portal.addr).request("POST", &path, &headers, &body);
    assert_eq!(answer.status, 303, "{}", answer.text());
}

#[test]
fn in_chromium_the_planner_lists_the_reports_rebuilds_a_year_and_downloads_a_file() {
    let portal = portal_after_a_run();
    let id = web::testing::sign_in(portal.app(), PLANNING);
    let base = format!("http://{}", portal.addr);
    let white_paper = reports_dir(&portal).join("令和2年度/令和2年度_自治体経営白書.pdf");
    let downloaded = browser::runtime().block_on(in_chromium(&base, &id));
    assert!(std::fs::read(downloaded).unwrap() == std::fs::read(white_paper).unwrap());
}

/// The list, the 「再作成」 press, its result (screenshots of each), and the white
/// paper downloaded from the result page: the downloaded file's path.
async fn in_chromium(base: &str, id: &str) -> std::path::PathBuf {
    let browser = browser::Browser::start("console_reports").await;
    let client = &browser.client;
    client.goto(&format!("{base}/{CITY}/signin")).await.unwrap();
    let set = format!("document.cookie = '{SESSION_COOKIE}={id}; path=/{CITY}/'");
    client.execute(&set, vec![]).await.unwrap();
    client
        .goto(&format!("{base}/{CITY}/console/reports"))
        .await
        .unwrap();
    browser.wait_for("section.report-year table").await;
    browser.shot("reports-list").await;
    browser
        .click("section.report-year form button[type=submit]")
        .await;
    let result = format!("{base}/{CITY}/console/reports/2020/rebuild");
    loop {
        let text = browser.wait_for_text("報告書").await;
        if text.contains("作成し直しました") {
            break;
        }
        assert!(text.contains("作成し直しています"), "{text}");
        browser.shot("rebuild-running").await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        client.goto(&result).await.unwrap();
    }
    browser.shot("rebuild-result").await;
    browser.click("a.download").await;
    let file = browser.downloaded("自治体経営白書.pdf").await;
    browser.close().await;
    file
}
