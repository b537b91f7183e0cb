//! The managers' page over HTTP against the real router on 127.0.0.1:0, after a real
//! annual run (`hakusho run --once` on the sample inbox): it names the indicators the
//! managers' PDF summary names as off target (the same selection, and the PDF's text),
//! each chart is well-formed SVG with a point per figure, the downloads are the
//! index's whole-city files and nothing else, a name with markup is escaped in the
//! page and the chart, and only managers and the planning division get in.

#[path = "common/browser.rs"]
mod browser;
mod common;

use common::http::{Http, Reply};
use common::portal::{Portal, DEPARTMENT};
use common::{compact, pdf_text_compact};
use hakusho::consolidate::{self, Datasets, Indicator};
use hakusho::domain::Period;
use hakusho::report::index::{read_index, ReportIndex};
use hakusho::web;

const CITY: &str = "132047";
const MANAGER: &str = "kikaku-kacho@mitaka.example";

/// A request with a session cookie (`None`: signed out).
fn get(portal: &Portal, path: &str, cookie: Option<&str>) -> Reply {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    Http::new(portal.addr).request("GET", path, &headers, b"")
}

/// A session cookie for `address`.
fn session(portal: &Portal, address: &str) -> String {
    let id = web::testing::sign_in(portal.app(), address);
    format!("{}={id}", web::auth::SESSION_COOKIE)
}

/// The year's consolidated datasets, as the page reads them.
fn datasets(portal: &Portal) -> Datasets {
    let config = portal.app().config();
    let store = portal.cities[0].store();
    consolidate::read_from_store(config, &store, config.fiscal_year()).unwrap()
}

/// Every value of `attribute="…"` in `page` whose value starts with `prefix`.
fn attributes(page: &str, attribute: &str, prefix: &str) -> Vec<String> {
    let needle = format!("{attribute}=\"{prefix}");
    page.match_indices(&needle)
        .map(|(at, _)| {
            let value = &page[at + attribute.len() + 2..];
            value[..value.find('"').unwrap()].replace("&amp;", "&")
        })
        .collect()
}

fn url(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[test]
fn after_a_run_the_managers_see_the_pdfs_off_target_indicators_charts_and_whole_city_files() {
    let portal = Portal::start();
    let ran = portal.hakusho(&["run", "--once"]);
    assert!(ran.status.success(), "{}", common::stdout_of(&ran));
    let manager = session(&portal, MANAGER);
    let page = get(&portal, &format!("/{CITY}/summary"), Some(&manager));
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.text();
    let datasets = datasets(&portal);
    let off: Vec<&Indicator> = hakusho::report::off_target_indicators(&datasets)
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    assert!(!off.is_empty(), "the sample year has indicators off target");
    let index = read_index(
        &portal.app().config().paths.reports,
        portal.app().config().fiscal_year(),
    )
    .expect("the run wrote the index");
    check_against_the_pdf(&portal, &index, &off, &page);
    check_charts(&portal, &manager, &off, &page);
    check_downloads(&portal, &manager, &index, &page);
    assert!(page.contains("前年度のデータがありません"), "{page}");
    for state in ["受理", "提出状況"] {
        assert!(page.contains(state), "{state}");
    }
    check_who_gets_in(&portal, &off[0].id, &index);
    check_markup_in_a_name(&portal, &manager, off[0]);
}

/// Every off-target indicator of the selection is on the page (id and name) and in
/// the managers' PDF summary the run built.
fn check_against_the_pdf(portal: &Portal, index: &ReportIndex, off: &[&Indicator], page: &str) {
    let summary = index
        .files
        .iter()
        .find(|f| f.department.is_none() && f.file_name.contains("要約"))
        .expect("the managers' summary is a whole-city file");
    let year = portal.app().config().fiscal_year();
    let path = (portal.app().config().paths.reports)
        .join(year.to_string())
        .join(&summary.file_name);
    let pdf = pdf_text_compact(&path);
    for indicator in off {
        assert!(
            pdf.contains(&compact(&indicator.name)),
            "{} not in the PDF",
            indicator.name
        );
        assert!(
            page.contains(&indicator.name),
            "{} not on the page",
            indicator.name
        );
        assert!(
            page.contains(&format!("<td>{}</td>", indicator.id)),
            "{}",
            indicator.id
        );
    }
    let heading = format!("目標に届いていない指標({}件)", off.len());
    assert!(page.contains(&heading), "{heading}");
}

/// Each chart the page shows is one of the off-target indicators', served as
/// well-formed SVG with a point per present figure, a higher figure drawn higher.
fn check_charts(portal: &Portal, cookie: &str, off: &[&Indicator], page: &str) {
    let shown = attributes(page, "src", &format!("/{CITY}/summary/charts/"));
    let expected: Vec<String> = off
        .iter()
        .map(|i| format!("/{CITY}/summary/charts/{}.svg", url(&i.id)))
        .collect();
    assert_eq!(shown, expected);
    let started = std::time::Instant::now();
    for (path, indicator) in shown.iter().zip(off) {
        let chart = get(portal, path, Some(cookie));
        assert_eq!(chart.status, 200, "{path}");
        assert_eq!(chart.header("content-type"), Some("image/svg+xml"));
        let svg = chart.text();
        if let Err(error) = xml::well_formed(&svg) {
            panic!("{path}: {error}\n{svg}");
        }
        check_points(&svg, indicator);
    }
    // A figure, not a condition: these machines are shared.
    eprintln!("{} charts served in {:?}", shown.len(), started.elapsed());
    let unknown = get(
        portal,
        &format!("/{CITY}/summary/charts/9-9.9.svg"),
        Some(cookie),
    );
    assert_eq!(unknown.status, 404);
}

/// The SVG's points: one per figure the indicator has, in its order, the higher the
/// figure the smaller the y.
fn check_points(svg: &str, indicator: &Indicator) {
    let values: Vec<f64> = Period::OBSERVED
        .iter()
        .filter_map(|p| indicator.value(*p))
        .collect();
    let ys: Vec<f64> = svg
        .split("<rect class=\"point\" ")
        .skip(1)
        .map(|rect| {
            let y = rect.split(" y=\"").nth(1).unwrap();
            y[..y.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert_eq!(ys.len(), values.len(), "{}: {svg}", indicator.id);
    for i in 0..values.len() {
        for j in 0..values.len() {
            if values[i] > values[j] {
                assert!(
                    ys[i] < ys[j],
                    "{}: {values:?} drawn at {ys:?}",
                    indicator.id
                );
            }
        }
    }
}

/// The page offers exactly the index's whole-city files, each downloads as written;
/// a department's file, the index and any path are 404.
fn check_downloads(portal: &Portal, cookie: &str, index: &ReportIndex, page: &str) {
    let year = index.fiscal_year;
    let prefix = format!("/{CITY}/summary/reports/{year}/");
    let offered = attributes(page, "href", &prefix);
    let whole: Vec<String> = (index.files.iter())
        .filter(|f| f.department.is_none())
        .map(|f| format!("{prefix}{}", url(&f.file_name)))
        .collect();
    assert!(!whole.is_empty());
    assert_eq!(offered, whole);
    let folder =
        (portal.app().config().paths.reports).join(hakusho::domain::FiscalYear(year).to_string());
    for file in index.files.iter().filter(|f| f.department.is_none()) {
        let answer = get(
            portal,
            &format!("{prefix}{}", url(&file.file_name)),
            Some(cookie),
        );
        assert_eq!(answer.status, 200, "{}", file.file_name);
        assert_eq!(
            answer.body,
            std::fs::read(folder.join(&file.file_name)).unwrap()
        );
    }
    let department = index.files.iter().find(|f| f.department.is_some()).unwrap();
    for name in [
        department.file_name.as_str(),
        "index.json",
        "..",
        "../hakusho.toml",
    ] {
        let answer = get(portal, &format!("{prefix}{}", url(name)), Some(cookie));
        assert_eq!(answer.status, 404, "{name}");
    }
}

/// Signed out: to the sign-in page; a department: 403 everywhere here; a manager:
/// not the console (403 once the console's pages are there; 404 while its routes
/// are not on this branch).
fn check_who_gets_in(portal: &Portal, id: &str, index: &ReportIndex) {
    let whole = index.files.iter().find(|f| f.department.is_none()).unwrap();
    let paths = [
        format!("/{CITY}/summary"),
        format!("/{CITY}/summary/charts/{}.svg", url(id)),
        format!(
            "/{CITY}/summary/reports/{}/{}",
            index.fiscal_year,
            url(&whole.file_name)
        ),
    ];
    let department = session(portal, DEPARTMENT);
    for path in &paths {
        let out = get(portal, path, None);
        assert_eq!(
            (out.status, out.location()),
            (303, "/132047/signin"),
            "{path}"
        );
        assert_eq!(get(portal, path, Some(&department)).status, 403, "{path}");
    }
    let manager = session(portal, MANAGER);
    let home = get(portal, &format!("/{CITY}/"), Some(&manager));
    assert_eq!(home.location(), format!("/{CITY}/summary"));
    let console = get(portal, &format!("/{CITY}/console"), Some(&manager)).status;
    assert!(matches!(console, 403 | 404), "{console}");
    let planning = session(portal, common::portal::PLANNING);
    assert_eq!(get(portal, &paths[0], Some(&planning)).status, 200);
}

/// An indicator renamed in the year's kept plan to a name full of markup: escaped in
/// the page and in its chart, which still parses.
fn check_markup_in_a_name(portal: &Portal, cookie: &str, indicator: &Indicator) {
    let hostile = "<script>alert('x')</script>&<b>";
    let mut raw = portal.cities[0].raw_store();
    let changed = raw.execute(
        "UPDATE plan_snapshots SET basic_plan = replace(basic_plan, ?1, ?2)",
        &[
            &format!("name = \"{}\"", indicator.name),
            &format!("name = \"{hostile}\""),
        ],
    );
    assert_eq!(changed, 1);
    let page = get(portal, &format!("/{CITY}/summary"), Some(cookie)).text();
    assert!(
        !page.contains("<script>alert") && !page.contains("<b>"),
        "{page}"
    );
    assert!(page.contains("&lt;script&gt;alert"), "{page}");
    let path = format!("/{CITY}/summary/charts/{}.svg", url(&indicator.id));
    let svg = get(portal, &path, Some(cookie)).text();
    assert!(!svg.contains("<script") && !svg.contains("<b>"), "{svg}");
    assert!(svg.contains("&lt;script&gt;alert(&apos;x&apos;)"), "{svg}");
    xml::well_formed(&svg).unwrap();
}

#[test]
fn the_next_year_lists_what_changed_since_the_accepted_year_before() {
    let mut portal = Portal::start();
    let ran = portal.hakusho(&["run", "--once"]);
    assert!(ran.status.success(), "{}", common::stdout_of(&ran));
    let last = datasets(&portal);
    let path = portal.cities[0].config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let next = (text.replace("fiscal_year = \"令和2年度\"", "fiscal_year = \"令和3年度\""))
        // The edition of 令和3年度 is published after that year ends.
        .replace("published = \"2021-07\"", "published = \"2022-07\"");
    std::fs::write(&path, next).unwrap();
    portal.restart();
    let manager = session(&portal, MANAGER);
    let page = get(&portal, &format!("/{CITY}/summary"), Some(&manager)).text();
    assert!(!page.contains("前年度のデータがありません"), "{page}");
    let changes = hakusho::web::summary::changes(&last, &datasets(&portal));
    assert!(!changes.is_empty());
    let section = &page[page.find("前年度からの変化").unwrap()..];
    for change in &changes {
        let row = format!(
            "<td>{}</td><td>{}</td><td>{}</td>",
            change.id,
            change.name,
            change.kind.label()
        );
        assert!(section.contains(&row), "{row}");
    }
}

#[test]
fn each_kind_of_change_is_found_and_nothing_else() {
    use hakusho::domain::Status;
    use hakusho::web::summary::{changes, ChangeKind};
    let city = common::TestCity::new(None);
    let config = hakusho::config::Config::load(&city.config_path()).unwrap();
    let plan = hakusho::plan::Plan::load(&config.paths.plan).unwrap();
    let mut last = consolidate::build(&config, &plan, config.fiscal_year(), &[]);
    let mut now = last.clone();
    let ids: Vec<String> = all(&mut now).iter().map(|i| i.id.clone()).collect();
    let set = |datasets: &mut Datasets, id: &str, status: Status| {
        let found = all(datasets).into_iter().find(|i| i.id == id).unwrap();
        found.status = status;
    };
    for (id, before, after) in [
        (&ids[0], Status::Achieved, Status::Regressed),
        (&ids[1], Status::Regressed, Status::Achieved),
        (&ids[2], Status::Caution, Status::NotRated),
    ] {
        set(&mut last, id, before);
        set(&mut now, id, after);
    }
    let changed = all(&mut now).into_iter().find(|i| i.id == ids[3]).unwrap();
    let actual = changed
        .cells
        .iter_mut()
        .find(|c| c.period == Period::Actual.key())
        .unwrap();
    actual.printed = format!("{}9", actual.printed);
    for policy in now
        .white_paper
        .parts
        .iter_mut()
        .flat_map(|p| &mut p.policies)
    {
        policy.indicators.retain(|i| i.id != ids[4]);
    }
    for policy in last
        .white_paper
        .parts
        .iter_mut()
        .flat_map(|p| &mut p.policies)
    {
        policy.indicators.retain(|i| i.id != ids[5]);
    }
    let found: Vec<(String, ChangeKind)> = changes(&last, &now)
        .into_iter()
        .map(|c| (c.id, c.kind))
        .collect();
    let mut expected = vec![
        (ids[0].clone(), ChangeKind::NewlyOffTarget),
        (ids[1].clone(), ChangeKind::BackOnTarget),
        (ids[2].clone(), ChangeKind::Achievement),
        (ids[3].clone(), ChangeKind::Value),
        (ids[5].clone(), ChangeKind::New),
        (ids[4].clone(), ChangeKind::Removed),
    ];
    expected.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    assert_eq!(found, expected);
}

/// Every indicator of the white paper, to change.
fn all(datasets: &mut Datasets) -> Vec<&mut Indicator> {
    (datasets.white_paper.parts.iter_mut())
        .flat_map(|p| &mut p.policies)
        .flat_map(|p| &mut p.indicators)
        .collect()
}

#[test]
fn nothing_of_a_submission_sent_back_reaches_the_summary_but_its_state() {
    let portal = Portal::start();
    let mut grid =
        common::grid::Grid::read(&common::repo().join("data/inbox/令和2年度_企画部.xlsx"));
    grid.text("目標指標", "J2", "差戻し試験の値");
    let answer = upload(&portal, "差戻し試験_企画部.xlsx", &grid.to_xlsx());
    assert_eq!(answer.status, 303, "{}", answer.text());
    let manager = session(&portal, MANAGER);
    let page = get(&portal, &format!("/{CITY}/summary"), Some(&manager)).text();
    assert!(!page.contains("差戻し試験"), "{page}");
    let row = page.find("<td>企画部</td>").expect("企画部's row");
    assert!(
        page[row..row + 200].contains("差戻し"),
        "{}",
        &page[row..row + 200]
    );
}

/// 企画部 uploads `bytes` as `name` through its page.
fn upload(portal: &Portal, name: &str, bytes: &[u8]) -> Reply {
    let cookie = session(portal, DEPARTMENT);
    let mut http = Http::new(portal.addr);
    let page = http.request(
        "GET",
        &format!("/{CITY}/department"),
        &[("Cookie", &cookie)],
        b"",
    );
    let csrf = page.csrf();
    let boundary = "hakusho-summary-test-boundary";
    let body = common::http::multipart_body(boundary, &[("csrf", &csrf)], &[("file", name, bytes)]);
    let kind = format!("multipart/form-data; boundary={boundary}");
    let headers = [("Cookie", cookie.as_str()), ("Content-Type", kind.as_str())];
    http.request("POST", &format!("/{CITY}/upload"), &headers, &body)
}

#[test]
fn in_chromium_the_summary_shows_every_chart_and_breaks_no_rule_of_the_page() {
    let portal = Portal::start();
    let ran = portal.hakusho(&["run", "--once"]);
    assert!(ran.status.success(), "{}", common::stdout_of(&ran));
    browser::runtime().block_on(async {
        let browser = browser::Browser::start("summary").await;
        let base = format!("http://{}", portal.addr);
        let cookie = web::testing::sign_in(portal.app(), MANAGER);
        browser.client.goto(&format!("{base}/{CITY}/signin")).await.unwrap();
        let name = web::auth::SESSION_COOKIE;
        let set = format!("document.cookie = '{name}={cookie}; path=/{CITY}/'");
        browser.client.execute(&set, vec![]).await.unwrap();
        browser.client.goto(&format!("{base}/{CITY}/")).await.unwrap();
        assert_eq!(browser.path().await, format!("/{CITY}/summary"));
        browser.wait_for("figure.chart img").await;
        // Every chart drawn: an image that failed (CSP, 404, bad SVG) has no width.
        let drawn = "return Promise.all([...document.images].map(i => i.decode().then(() => i.naturalWidth, () => 0)))";
        let widths = browser.client.execute(drawn, vec![]).await.unwrap();
        let widths = widths.as_array().unwrap();
        assert!(!widths.is_empty() && widths.iter().all(|w| w.as_f64() > Some(0.0)), "{widths:?}");
        browser.shot("summary").await;
        assert_eq!(browser.console_errors().await, Vec::<String>::new());
        browser.close().await;
    });
}

/// A strict check that a document is well-formed XML (no XML crate is a dependency):
/// one root element, every tag closed in order, attributes quoted, `<` never in text
/// or a value, every `&` a known entity or a character reference.
mod xml {
    pub fn well_formed(doc: &str) -> Result<(), String> {
        let mut rest = doc.trim();
        if let Some(after) = rest.strip_prefix("<?xml") {
            rest = &after[after.find("?>").ok_or("unclosed prolog")? + 2..];
        }
        let mut open: Vec<String> = Vec::new();
        let mut roots = 0;
        while !rest.is_empty() {
            let next = rest.find('<').unwrap_or(rest.len());
            text(&rest[..next], !open.is_empty())?;
            rest = &rest[next..];
            if rest.is_empty() {
                break;
            }
            if open.is_empty() {
                roots += 1;
            }
            rest = tag(rest, &mut open)?;
        }
        match (open.is_empty(), roots) {
            (true, 1) => Ok(()),
            (false, _) => Err(format!("unclosed: {open:?}")),
            _ => Err(format!("{roots} root elements")),
        }
    }

    /// Character data: no `<` (split off already), entities only.
    fn text(text: &str, inside: bool) -> Result<(), String> {
        if !inside && !text.trim().is_empty() {
            return Err(format!("text outside the root: {text:?}"));
        }
        entities(text)
    }

    fn entities(text: &str) -> Result<(), String> {
        for (at, _) in text.match_indices('&') {
            let tail = &text[at + 1..];
            let end = tail.find(';').ok_or(format!("bare & in {text:?}"))?;
            let name = &tail[..end];
            let known = ["amp", "lt", "gt", "quot", "apos"].contains(&name)
                || name
                    .strip_prefix("#x")
                    .is_some_and(|h| u32::from_str_radix(h, 16).is_ok())
                || name
                    .strip_prefix('#')
                    .is_some_and(|d| d.parse::<u32>().is_ok());
            if !known {
                return Err(format!("unknown entity &{name}; in {text:?}"));
            }
        }
        Ok(())
    }

    /// One tag at the start of `rest`; returns what follows it.
    fn tag<'a>(rest: &'a str, open: &mut Vec<String>) -> Result<&'a str, String> {
        if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unclosed end tag")?;
            let name = after[..end].trim();
            match open.pop() {
                Some(last) if last == name => return Ok(&after[end + 1..]),
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        }
        let after = &rest[1..];
        let name_end = after
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or("unclosed tag")?;
        let name = &after[..name_end];
        if !is_name(name) {
            return Err(format!("bad tag name {name:?}"));
        }
        let (rest, closed) = attributes(&after[name_end..])?;
        if !closed {
            open.push(name.to_string());
        }
        Ok(rest)
    }

    /// The attributes up to `>` or `/>`: (what follows, whether self-closed).
    fn attributes(mut rest: &str) -> Result<(&str, bool), String> {
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix("/>") {
                return Ok((after, true));
            }
            if let Some(after) = rest.strip_prefix('>') {
                return Ok((after, false));
            }
            let eq = rest
                .find('=')
                .ok_or(format!("attribute without value: {rest:.40}"))?;
            if !is_name(rest[..eq].trim()) {
                return Err(format!("bad attribute name {:?}", &rest[..eq]));
            }
            let value = rest[eq + 1..].trim_start();
            let quote = value.chars().next().filter(|q| *q == '"' || *q == '\'');
            let quote = quote.ok_or(format!("unquoted value: {value:.40}"))?;
            let end = value[1..].find(quote).ok_or("unclosed value")?;
            let inner = &value[1..1 + end];
            if inner.contains('<') {
                return Err(format!("< in a value: {inner:?}"));
            }
            entities(inner)?;
            rest = &value[end + 2..];
        }
    }

    fn is_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_alphanumeric() || "-_.:".contains(c))
    }

    #[test]
    fn the_checker_refuses_what_is_not_well_formed() {
        assert!(well_formed(r#"<svg a="1"><g><t>x &amp; y</t></g><r/></svg>"#).is_ok());
        for bad in [
            "<svg><g></svg>",
            "<svg a=1/>",
            "<svg>a & b</svg>",
            "<svg a=\"<\"/>",
            "<svg/><svg/>",
            "<svg>",
            "<svg><script>x</script>",
        ] {
            assert!(well_formed(bad).is_err(), "{bad}");
        }
    }
}
