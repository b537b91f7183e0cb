//! The planning division's year at a glance, its view of any department's submission,
//! and `explain` as a page, over HTTP against the real router on 127.0.0.1:0 with the
//! city's real store (SQLite, or PostgreSQL on the suite's second run) and uploads made
//! through the portal as departments make them.
//!
//! Every configured department is listed with the state its latest version gives it
//! (未提出 before the deadline, 期限超過 after); a sent-back one's findings show their
//! cells, each linking to its row on the submission's page; every link the page gives
//! opens (200), and an anchor it names is on the page it opens. Another city's
//! submission and made-up ids are 404; managers and departments get 403; signed out,
//! the sign-in page. The explain page's rows are the command's lines, item by item;
//! an unknown or garbled item is a Japanese 404 or 400 with the form, escaped. In
//! Chromium (windows of 1280 and 800 px): the pages fit, a finding's cell link opens
//! its row marked, a cross finding's item opens its lineage; screenshots are kept in
//! `target/test-output/browser/console_year/`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use common::grid::Grid;
use common::http::{Http, Reply};
use common::portal::{Portal, DEPARTMENT, MANAGER, MUSASHINO, PLANNING};
use common::{jst, repo};
use hakusho::web::{self, auth::SESSION_COOKIE};

const CITY: &str = "132047";
const SOMU: &str = "somu-bu@mitaka.example";
const KENKO: &str = "kenko-bu@mitaka.example";
const KYOIKU: &str = "kyoiku-bu@mitaka.example";

/// 2021-04-06 10:00 JST: three days before the sample's deadline (2021-04-09).
fn before_deadline() -> chrono::DateTime<chrono::Utc> {
    jst(2021, 4, 6, 10, 0, 0)
}

/// A browser of `address` in `city`, signed in through the store as a used link does.
fn browser(portal: &Portal, city: &str, address: &str) -> Http {
    let app = portal.apps.iter().find(|a| a.config().city.code == city);
    let id = web::testing::sign_in(app.unwrap(), address);
    let mut http = portal.http();
    http.set_cookie(&format!("/{city}/"), SESSION_COOKIE, &id);
    http
}

fn sample(department: &str) -> Vec<u8> {
    std::fs::read(repo().join(format!("data/inbox/令和2年度_{department}.xlsx"))).unwrap()
}

/// A department's sample with a text where a number belongs (目標指標 J2).
fn with_mistake(department: &str) -> Vec<u8> {
    let path = repo().join(format!("data/inbox/令和2年度_{department}.xlsx"));
    let mut grid = Grid::read(&path);
    grid.text("目標指標", "J2", "未定");
    grid.to_xlsx()
}

/// Uploads `bytes` as the department of `address` through the portal; the new id.
fn upload(portal: &Portal, city: &str, address: &str, name: &str, bytes: &[u8]) -> i64 {
    let mut http = browser(portal, city, address);
    let csrf = http.get(&format!("/{city}/department")).csrf();
    let files: [(&str, &str, &[u8]); 1] = [("file", name, bytes)];
    let answer = http.post_multipart(&format!("/{city}/upload"), &[("csrf", &csrf)], &files);
    assert_eq!(answer.status, 303, "{}", answer.text());
    let prefix = format!("/{city}/submissions/");
    answer.location()[prefix.len()..].parse().unwrap()
}

/// Text of HTML: tags dropped, the entities maud writes undone.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// The body rows of every table of a page (or of the part of it given), each cell's text.
fn rows(html: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for body in html.split("<tbody>").skip(1) {
        let body = &body[..body.find("</tbody>").unwrap()];
        for row in body.split("<tr").skip(1) {
            let cells = row.split("<td").skip(1);
            rows.push(
                cells
                    .map(|c| text_of(&c[c.find('>').unwrap() + 1..]))
                    .collect(),
            );
        }
    }
    rows
}

/// Every `href` of a page, entities undone.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].replace("&amp;", "&"))
        .collect()
}

/// The part of a page from the heading `h2` on, up to the next `<h2`.
fn section<'a>(html: &'a str, h2: &str) -> &'a str {
    let start = html
        .find(&format!("<h2>{h2}"))
        .unwrap_or_else(|| panic!("no {h2}: {html}"));
    let rest = &html[start + 4..];
    &rest[..rest.find("<h2").unwrap_or(rest.len())]
}

/// The department's row of the states table: its state and its version's file.
fn state_of(page: &str, department: &str) -> Vec<String> {
    let table = section(page, "各部の状態");
    let found = rows(table).into_iter().find(|r| r[0] == department);
    found.unwrap_or_else(|| panic!("{department} not listed"))
}

/// The versions the year test uploads: the latest one's id by department.
struct Sent {
    kikaku: i64,
    somu_wrong: i64,
    somu: i64,
    kenko: i64,
    kyoiku: i64,
}

/// 企画部 sent back (its file name holding markup), 総務部 sent back then accepted,
/// 健康福祉部 and 教育部 accepted with notes; the six others nothing.
fn send_some(portal: &Portal) -> Sent {
    let kikaku = with_mistake("企画部");
    let sent = Sent {
        kikaku: upload(portal, CITY, DEPARTMENT, "企画部<b>.xlsx", &kikaku),
        somu_wrong: upload(portal, CITY, SOMU, "総務部.xlsx", &with_mistake("総務部")),
        somu: upload(portal, CITY, SOMU, "総務部2.xlsx", &sample("総務部")),
        kenko: upload(
            portal,
            CITY,
            KENKO,
            "健康福祉部.xlsx",
            &sample("健康福祉部"),
        ),
        kyoiku: upload(portal, CITY, KYOIKU, "教育部.xlsx", &sample("教育部")),
    };
    assert!(sent.somu_wrong < sent.somu);
    sent
}

#[test]
fn the_year_lists_every_department_in_its_state_with_findings_and_links_that_open() {
    let portal = Portal::start();
    portal.clock.set(before_deadline());
    let sent = send_some(&portal);
    let mut planning = browser(&portal, CITY, PLANNING);
    let asked = std::time::Instant::now();
    let reply = planning.get(&format!("/{CITY}/console"));
    // A figure, not a condition: these machines are shared.
    eprintln!("the year page answered in {:?}", asked.elapsed());
    assert_eq!(reply.status, 200, "{}", reply.text());
    let page = reply.text();
    check_states(&portal, &page, &sent);
    assert!(page.contains("年次実行: まだ実行していません。"), "{page}");
    check_findings(&page, sent.kikaku);
    check_cross_findings(&page);
    follow_every_link(&mut planning, &page);
    // After the deadline, those that sent nothing are overdue; the others keep theirs.
    portal.clock.set(jst(2021, 4, 10, 9, 0, 0));
    let mut planning = browser(&portal, CITY, PLANNING);
    let page = planning.get(&format!("/{CITY}/console")).text();
    assert_eq!(state_of(&page, "市民部")[1], "期限超過");
    assert_eq!(state_of(&page, "企画部")[1], "差戻し");
    let gaps = section(&page, "不足しているもの");
    for department in ["市民部", "企画部"] {
        let listed = rows(gaps)
            .iter()
            .any(|r| r[0] == department && r[1] == "未提出");
        assert!(listed, "{department}: {gaps}");
    }
}

/// Every configured department in its state, with its latest version (never an
/// earlier one).
fn check_states(portal: &Portal, page: &str, sent: &Sent) {
    let expected = [
        ("企画部", "差戻し", Some(sent.kikaku)),
        ("総務部", "受理", Some(sent.somu)),
        ("健康福祉部", "受理(要確認)", Some(sent.kenko)),
        ("教育部", "受理(要確認)", Some(sent.kyoiku)),
    ];
    for department in portal.app().config().departments.iter() {
        let department = department.name.as_str();
        let row = state_of(page, department);
        let (state, id) = match expected.iter().find(|e| e.0 == department) {
            Some((_, state, id)) => (*state, *id),
            None => ("未提出", None),
        };
        assert_eq!(row[1], state, "{department}: {row:?}");
        match id {
            Some(id) => assert!(row[2].starts_with(&format!("提出#{id} ")), "{row:?}"),
            None => assert_eq!(row[2], "—", "{row:?}"),
        }
    }
    assert!(!page.contains(&format!("submissions/{}\"", sent.somu_wrong)));
    // The file name is text.
    assert!(page.contains("企画部&lt;b&gt;.xlsx") && !page.contains("企画部<b>"));
}

/// The sent-back version's finding names its cell, which links to the finding's row.
fn check_findings(page: &str, kikaku: i64) {
    let found = section(page, "各部の最新の提出で見つかった点");
    let kikaku_page = format!("/{CITY}/console/submissions/{kikaku}");
    let of_kikaku = &found[found.find("企画部").unwrap()..];
    let of_kikaku = &of_kikaku[..of_kikaku.find("</table>").unwrap()];
    let j2 = rows(of_kikaku)
        .into_iter()
        .position(|r| r[..3] == ["エラー", "目標指標", "J2"]);
    let j2 = j2.unwrap_or_else(|| panic!("no J2 error: {of_kikaku}"));
    assert!(rows(of_kikaku)[j2][3].contains("未定"), "{of_kikaku}");
    let anchor = format!("href=\"{kikaku_page}#f{}\">J2</a>", j2 + 1);
    assert!(of_kikaku.contains(&anchor), "{of_kikaku}");
}

/// 健康福祉部's two targets of one indicator: both cells, with the lineage links.
fn check_cross_findings(page: &str) {
    let cross = section(page, "提出をまたがる食い違い");
    assert!(
        cross.contains("目標が二つ") && cross.contains("K2-2"),
        "{cross}"
    );
    for (item, cell) in [("K2-2", "総合戦略KPI!H2"), ("5-2.1", "目標指標!L4")] {
        let lineage = format!("/{CITY}/console/explain?item={item}&amp;year=2020");
        assert!(cross.contains(&lineage), "{item}: {cross}");
        assert!(text_of(cross).contains(cell), "{cell}");
    }
}

/// Opens every link the year page gives into the console (the submissions, their
/// originals and annotated copies, the lineage pages): each 200, and a `#f…` anchor
/// is on the page it names.
fn follow_every_link(http: &mut Http, page: &str) {
    let ours: Vec<String> = links(page)
        .into_iter()
        .filter(|l| l.starts_with(&format!("/{CITY}/console/")))
        .filter(|l| l.contains("/submissions/") || l.contains("/explain"))
        .collect();
    assert!(ours.len() > 20, "{ours:?}");
    let mut annotated = 0;
    for link in &ours {
        let (path, anchor) = link.split_once('#').unwrap_or((link, ""));
        let reply = http.get(path);
        assert_eq!(reply.status, 200, "{link}: {}", reply.text());
        if !anchor.is_empty() {
            assert!(reply.text().contains(&format!("id=\"{anchor}\"")), "{link}");
        }
        if path.ends_with("/original") {
            assert!(reply
                .header("content-disposition")
                .unwrap()
                .starts_with("attachment"));
        }
        if path.contains("/submissions/") && !path.ends_with("/original") && anchor.is_empty() {
            for inner in links(&reply.text())
                .iter()
                .filter(|l| l.ends_with("/annotated"))
            {
                assert_eq!(http.get(inner).status, 200, "{inner}");
                annotated += 1;
            }
        }
    }
    assert!(
        annotated > 0,
        "the sent-back version's annotated copy is offered"
    );
}

#[test]
fn only_this_citys_submissions_open_and_only_for_the_planning_division() {
    let portal = Portal::with(2, |_, text| text);
    portal.clock.set(before_deadline());
    let own = upload(
        &portal,
        CITY,
        DEPARTMENT,
        "企画部.xlsx",
        &with_mistake("企画部"),
    );
    let other_name = "武蔵野_企画部.xlsx";
    let other = upload(
        &portal,
        MUSASHINO.0,
        DEPARTMENT,
        other_name,
        &sample("企画部"),
    );
    let mut planning = browser(&portal, CITY, PLANNING);
    let console = format!("/{CITY}/console");
    for tail in ["", "/original", "/annotated"] {
        let path = format!("{console}/submissions/{own}{tail}");
        assert_eq!(planning.get(&path).status, 200, "{path}");
    }
    check_made_up_ids(&mut planning, other);
    // The other city's planning division sees its own, not this one's.
    let mut theirs = browser(&portal, MUSASHINO.0, PLANNING);
    let path = format!("/{}/console/submissions/", MUSASHINO.0);
    assert_eq!(theirs.get(&format!("{path}{other}")).status, 200);
    assert_eq!(theirs.get(&format!("{path}{own}")).status, 404);
    // The department keeps its own page's rules: its own version, not the console's.
    let mut kikaku = browser(&portal, CITY, DEPARTMENT);
    let own_page = kikaku.get(&format!("/{CITY}/submissions/{own}"));
    assert_eq!(own_page.status, 200);
    check_other_roles(&portal, own);
}

/// Another city's id and ids that are none: 404, the Japanese page, naming nothing.
fn check_made_up_ids(planning: &mut Http, other: i64) {
    let made_up = [
        other.to_string(),
        (other + 1000).to_string(),
        "0".into(),
        "-1".into(),
        "abc".into(),
        "1e1".into(),
        "%2E%2E".into(),
        "99999999999999999999".into(),
    ];
    for id in &made_up {
        for tail in ["", "/original", "/annotated"] {
            let reply = planning.get(&format!("/{CITY}/console/submissions/{id}{tail}"));
            assert_eq!(reply.status, 404, "{id}{tail}");
            let page = reply.text();
            assert!(page.contains("ページが見つかりません"), "{id}{tail}");
            assert!(!page.contains("武蔵野_企画部"), "{id}{tail}");
        }
    }
}

/// Managers and departments: 403 on every console page; signed out: the sign-in page.
fn check_other_roles(portal: &Portal, own: i64) {
    let console = format!("/{CITY}/console");
    let pages = [
        console.clone(),
        format!("{console}/submissions/{own}"),
        format!("{console}/submissions/{own}/original"),
        format!("{console}/submissions/{own}/annotated"),
        format!("{console}/explain?item=1-1.1"),
    ];
    for path in &pages {
        for address in [MANAGER, DEPARTMENT, "kikaku-kacho@mitaka.example"] {
            let reply = browser(portal, CITY, address).get(path);
            assert_eq!(reply.status, 403, "{address} {path}");
            assert!(reply.text().contains("この操作はできません"), "{path}");
        }
        let out = portal.http().get(path);
        assert_eq!(
            (out.status, out.location()),
            (303, "/132047/signin"),
            "{path}"
        );
    }
}

#[test]
fn the_explain_page_shows_the_commands_lines_item_by_item() {
    let portal = Portal::start();
    ingest_two_years(&portal);
    let mut planning = browser(&portal, CITY, PLANNING);
    let items = [
        "1-1.1",
        "5-2.1",
        "K2-2",
        "K1-1",
        "1-(6)",
        "1-(2)",
        "１－１．１",
    ];
    let years = [
        ("", "令和2年度"),
        ("&year=2020", "令和2年度"),
        ("&year=令和2年度", "令和2年度"),
        ("&year=2019", "令和元年度"),
    ];
    for item in items {
        for (query, year) in years {
            let explain = ["explain", item, "--fiscal-year", year];
            let printed = common::stdout_of(&portal.hakusho(&explain));
            let path = format!("/{CITY}/console/explain?item={}{query}", encode(item));
            let asked = std::time::Instant::now();
            let reply = planning.get(&path);
            eprintln!("{path} answered in {:?}", asked.elapsed());
            assert_eq!(reply.status, 200, "{path}: {}", reply.text());
            assert_eq!(shown_as_text(&reply.text()), printed, "{path}");
        }
    }
    // Last year's figure is one of the rows, and each value's submission and original open.
    let page = planning
        .get(&format!("/{CITY}/console/explain?item=1-1.1"))
        .text();
    assert!(text_of(&page).contains("2019年度の達成値"), "{page}");
    let opened: Vec<String> = links(&page)
        .into_iter()
        .filter(|l| l.contains("/submissions/"))
        .collect();
    assert!(opened.len() >= 12, "{opened:?}");
    for link in opened {
        assert_eq!(planning.get(&link).status, 200, "{link}");
    }
}

/// 企画部's 令和元年度 workbook (the sample with its years moved back one), taken in
/// while the configuration collects that year; then every sample of 令和2年度.
fn ingest_two_years(portal: &Portal) {
    let city = &portal.cities[0];
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("提出情報", "B4", "令和元年度")
        .text(
            "記入のしかた",
            "A1",
            "企画部 令和元年度 提出用ブック 記入のしかた",
        )
        .text("目標指標", "I1", "前年度実績\n(平成30年度)")
        .text("目標指標", "J1", "達成値\n(令和元年度)")
        .text("アクションプラン", "F1", "令和元年度の取組状況等")
        .text("総合戦略KPI", "F1", "前年度実績\n(平成30年度)")
        .text("総合戦略KPI", "G1", "実績値\n(令和元年度)");
    let last_year = city.path().join("令和元年度_企画部.xlsx");
    std::fs::write(&last_year, grid.to_xlsx()).unwrap();
    let config = std::fs::read_to_string(city.config_path()).unwrap();
    let collecting = |from: &str, to: &str| {
        let text = std::fs::read_to_string(city.config_path()).unwrap();
        std::fs::write(city.config_path(), text.replace(from, to)).unwrap();
    };
    collecting(
        "fiscal_year = \"令和2年度\"",
        "fiscal_year = \"令和元年度\"",
    );
    common::stdout_of(&city.hakusho(&["ingest", &last_year.to_string_lossy()]));
    std::fs::write(city.config_path(), config).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(city.inbox())
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    common::stdout_of(&city.hakusho(&args));
}

/// A query value, percent-encoded.
fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The lineage of an explain page written as the command prints it: the heading, the
/// notes, then each row as `項目: 値 ← 読んだところ` (a text's row names only where).
fn shown_as_text(page: &str) -> String {
    let lineage = &page[page.find("<section class=\"lineage\">").expect("a lineage")..];
    let heading = text_of(&lineage[..lineage.find("</h2>").unwrap()]);
    let mut out = format!("{heading}\n");
    let notes_end = lineage.find("<table").unwrap_or(lineage.len());
    for note in lineage[..notes_end].split("<li>").skip(1) {
        out.push_str(&format!(
            "  {}\n",
            text_of(&note[..note.find("</li>").unwrap()])
        ));
    }
    for row in rows(lineage) {
        match row[1].as_str() {
            "" => out.push_str(&format!("  {}: {}\n", row[0], row[2])),
            value => out.push_str(&format!("  {}: {value} ← {}\n", row[0], row[2])),
        }
    }
    out
}

#[test]
fn an_unknown_or_garbled_item_or_year_is_a_japanese_page_with_the_form_escaped() {
    let portal = Portal::start();
    let mut planning = browser(&portal, CITY, PLANNING);
    let base = format!("/{CITY}/console/explain");
    let bare = planning.get(&base);
    assert_eq!(bare.status, 200);
    assert!(
        bare.text().contains("name=\"item\"")
            && bare.text().contains("<option value=\"2020\" selected>")
    );
    let long = "1".repeat(10 * 1024);
    let cases: [(String, u16); 8] = [
        (format!("item={}", encode("<script>alert(1)</script>")), 404),
        (
            format!("item={}", encode("\"><img src=x onerror=alert(1)>")),
            404,
        ),
        (format!("item={}", encode("../../etc/passwd")), 404),
        ("item=9-9.9".into(), 404),
        (format!("item={long}"), 400),
        ("item=1-1.1&year=1999".into(), 404),
        (format!("item=1-1.1&year={}", encode("<b>令和</b>")), 404),
        ("item=%FF%FE".into(), 404),
    ];
    for (query, status) in &cases {
        let reply = planning.get(&format!("{base}?{query}"));
        let page = reply.text();
        let shown = &query[..query.len().min(80)];
        assert_eq!(reply.status, *status, "{shown}: {page}");
        assert!(page.contains("<html lang=\"ja\""), "{shown}");
        assert!(page.contains("name=\"item\""), "the form is there: {shown}");
        assert!(
            page.contains("ありません") || page.contains("長すぎます"),
            "{shown}: {page}"
        );
        for raw in ["<script>alert", "<img src=x", "<b>令和"] {
            assert!(!page.contains(raw), "{shown}");
        }
        assert!(!page.contains(&long[..200]), "a long item is not echoed");
    }
    let escaped = planning.get(&format!("{base}?item={}", encode("<script>x</script>")));
    assert!(
        escaped.text().contains("&lt;script&gt;x&lt;/script&gt;"),
        "{}",
        escaped.text()
    );
}

#[test]
fn the_year_tells_the_annual_runs_latest_entry_in_the_ledger() {
    use hakusho::store::{RunLease, RunOutcome};
    let portal = Portal::start();
    portal.clock.set(jst(2021, 4, 15, 9, 0, 30));
    let mut store = portal.cities[0].store();
    let lease = |until: &str| RunLease {
        owner: "test".into(),
        until: until.into(),
    };
    let (slot, started) = ("2021-04-15T00:00:00Z", "2021-04-15T00:00:01Z");
    let held = lease("2021-04-15T00:02:00Z");
    assert!(store
        .claim_run(CITY, "annual_run", slot, started, &held)
        .unwrap());
    let mut planning = browser(&portal, CITY, PLANNING);
    let mut line = || {
        let page = planning.get(&format!("/{CITY}/console")).text();
        let start = page.find("<p class=\"last-run\">").unwrap();
        let end = start + page[start..].find("</p>").unwrap();
        text_of(&page[start..end])
    };
    let running = line();
    assert!(
        running.starts_with("最後の年次実行: 2021年04月15日 09:00 開始 実行中"),
        "{running}"
    );
    // Its daemon stopped: the lease ran out, the run waits to be taken over.
    portal.clock.set(jst(2021, 4, 15, 9, 3, 0));
    assert!(line().contains("開始 停止中(引き継ぎ待ち)"), "{}", line());
    let finished = "2021-04-15T00:05:00Z";
    let failed = RunOutcome::Failed;
    store
        .finish_run(CITY, "annual_run", slot, finished, failed, Some("x"))
        .unwrap();
    let said = line();
    assert!(
        said.contains("開始 失敗 (2021年04月15日 09:05 終了)"),
        "{said}"
    );
}

#[test]
fn the_planning_divisions_home_is_its_console_and_the_overview_sends_it_there() {
    let portal = Portal::start();
    let mut planning = browser(&portal, CITY, PLANNING);
    let home = planning.get(&format!("/{CITY}/"));
    assert_eq!((home.status, home.location()), (303, "/132047/console"));
    let overview: Reply = planning.get(&format!("/{CITY}/overview"));
    assert_eq!(
        (overview.status, overview.location()),
        (303, "/132047/console")
    );
    let mut manager = browser(&portal, CITY, MANAGER);
    assert_eq!(manager.get(&format!("/{CITY}/overview")).status, 200);
}

#[test]
fn in_chromium_the_pages_fit_and_a_findings_link_opens_its_row() {
    let portal = Portal::start();
    portal.clock.set(before_deadline());
    let long = format!("{}.xlsx", "令和2年度企画部提出用ブック最終版".repeat(6));
    let kikaku = upload(&portal, CITY, DEPARTMENT, &long, &with_mistake("企画部"));
    upload(&portal, CITY, SOMU, "総務部.xlsx", &sample("総務部"));
    upload(
        &portal,
        CITY,
        KENKO,
        "健康福祉部.xlsx",
        &sample("健康福祉部"),
    );
    upload(&portal, CITY, KYOIKU, "教育部.xlsx", &sample("教育部"));
    let base = format!("http://{}", portal.addr);
    browser::runtime().block_on(async {
        let browser = browser::Browser::start("console_year").await;
        let cookie = web::testing::sign_in(portal.app(), PLANNING);
        visit(&browser, format!("{base}/{CITY}/signin")).await;
        let set = format!("document.cookie = '{SESSION_COOKIE}={cookie}; path=/{CITY}/'");
        browser.client.execute(&set, vec![]).await.unwrap();
        for width in [1280, 800] {
            browser.client.set_window_size(width, 900).await.unwrap();
            visit_each_page(&browser, &base, width, kikaku).await;
        }
        // The one error expected: the unknown item's page is a 404.
        let errors: Vec<String> = browser
            .console_errors()
            .await
            .into_iter()
            .filter(|e| !e.contains("status of 404"))
            .collect();
        assert!(errors.is_empty(), "nothing the CSP refused: {errors:#?}");
        browser.close().await;
    });
}

async fn visit(browser: &browser::Browser, url: String) {
    browser.client.goto(&url).await.unwrap();
    browser.wait_for("main").await;
}

/// The link's target, from the page shown.
async fn href_of(browser: &browser::Browser, css: &str) -> String {
    let link = browser.wait_for(css).await;
    let href = link.attr("href").await.unwrap().unwrap();
    href.replace("&amp;", "&")
}

/// The year, a finding's row (marked), a lineage and an unknown item, at one width.
async fn visit_each_page(browser: &browser::Browser, base: &str, width: u32, kikaku: i64) {
    visit(browser, format!("{base}/{CITY}/")).await;
    assert_eq!(browser.path().await, format!("/{CITY}/console"));
    check_fits(browser, &format!("year-{width}")).await;
    let cell = format!("a[href^='/{CITY}/console/submissions/{kikaku}#f']");
    visit(browser, format!("{base}{}", href_of(browser, &cell).await)).await;
    let marked = browser.wait_for("tr:target").await;
    assert!(marked.text().await.unwrap().contains("J2"));
    check_fits(browser, &format!("submission-{width}")).await;
    visit(browser, format!("{base}/{CITY}/console")).await;
    let lineage = href_of(browser, "a[href*='explain?item=K2-2']").await;
    visit(browser, format!("{base}{lineage}")).await;
    browser.wait_for("section.lineage table").await;
    let page = browser.body_text().await;
    let shown = page.contains("総合戦略KPI K2-2") && page.contains("総合戦略KPI!H2");
    assert!(shown, "{page}");
    check_fits(browser, &format!("explain-{width}")).await;
    visit(
        browser,
        format!("{base}/{CITY}/console/explain?item=%3Cscript%3E"),
    )
    .await;
    let page = browser.body_text().await;
    let said = "「<script>」という指標・KPI・個別課題はありません";
    assert!(page.contains(said), "{page}");
    check_fits(browser, &format!("explain-unknown-{width}")).await;
}

/// The page is no wider than the window; a screenshot is kept.
async fn check_fits(browser: &browser::Browser, step: &str) {
    let script = "return document.documentElement.scrollWidth - window.innerWidth";
    let over = browser.client.execute(script, vec![]).await.unwrap();
    assert!(
        over.as_i64().unwrap_or(0) <= 0,
        "{step}: wider than the window"
    );
    browser.shot(step).await;
}
