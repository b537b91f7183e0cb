//! `/healthz` and `/metrics` over HTTP against the real router on 127.0.0.1:0, signed
//! out: healthy while the store answers and the scheduler beats, 503 when the beat is
//! older than two minutes (the test clock) or the store is gone; a portal without the
//! daemon says so and is healthy. `/metrics` is valid Prometheus text (checked line by
//! line by a strict parser here), counts the year's submissions, the ledger's runs,
//! the outbox and this process's intake, and names no department, address or file.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use common::http::{multipart_body, Http, Reply};
use common::portal::{Portal, DEPARTMENT};
use common::repo;
use hakusho::store::{RunLease, RunOutcome};
use hakusho::web;

const CITY: &str = "132047";

fn get(portal: &Portal, path: &str) -> Reply {
    Http::new(portal.addr).get(path)
}

/// Every name and address the configuration holds, and the sample's file names:
/// none may appear in an answer for the IT staff.
fn personal(portal: &Portal) -> Vec<String> {
    let config = portal.app().config();
    let mut mailboxes: Vec<&lettre::message::Mailbox> = Vec::new();
    let mut words = Vec::new();
    for department in &config.departments {
        words.push(department.name.clone());
        mailboxes.extend(department.recipients.iter().map(|r| &r.0));
    }
    mailboxes.extend(config.managers.recipients.iter().map(|r| &r.0));
    mailboxes.extend(config.web.iter().flat_map(|w| &w.planning).map(|r| &r.0));
    for mailbox in mailboxes {
        words.push(mailbox.email.to_string());
        words.extend(mailbox.name.clone());
    }
    words.push(portal.cities[0].path().display().to_string());
    words.push("xlsx".to_string());
    words
}

fn says_nothing_personal(portal: &Portal, body: &str) {
    for word in personal(portal) {
        assert!(!body.contains(&word), "{word:?} in\n{body}");
    }
}

#[test]
fn healthz_is_503_when_the_beat_is_old_or_the_store_is_gone_and_200_otherwise() {
    let mut portal = Portal::start();
    // The store made and migrated, as `serve` does before it listens.
    drop(portal.cities[0].store());
    let started = portal.clock.now();
    let well = get(&portal, "/healthz");
    assert_eq!(well.status, 200, "{}", well.text());
    assert_eq!(
        well.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let text = well.text();
    for line in [
        "全体: 正常",
        "スケジューラー: 動作中",
        "132047: 正常 データベース 接続できます",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    says_nothing_personal(&portal, &text);
    let json = healthz_json(&portal, 200);
    assert_eq!(json["status"], "healthy");
    assert_eq!(json["cities"][0]["store_reachable"], true);
    assert_eq!(json["cities"][0]["pending"], 0);
    says_nothing_personal(&portal, &json.to_string());

    // The scheduler beat when the portal started: two minutes later it is still alive.
    portal.clock.set(started + Duration::seconds(120));
    assert_eq!(get(&portal, "/healthz").status, 200);
    portal.clock.set(started + Duration::seconds(121));
    let stale = get(&portal, "/healthz");
    assert_eq!(stale.status, 503, "{}", stale.text());
    assert!(
        stale.text().contains("スケジューラー: 停止"),
        "{}",
        stale.text()
    );
    assert_eq!(healthz_json(&portal, 503)["scheduler"], "stale");

    portal.clock.set(started);
    if portal.cities[0].database.is_none() {
        the_sqlite_file_moved_away_while_serving(&portal);
    }
    portal.cities[0].make_store_unreachable();
    portal.restart();
    let gone = get(&portal, "/healthz");
    assert_eq!(gone.status, 503, "{}", gone.text());
    assert!(gone.text().contains("132047: 停止"), "{}", gone.text());
    assert!(gone.text().contains("データベース 接続できません"));
    says_nothing_personal(&portal, &gone.text());
    assert_eq!(
        healthz_json(&portal, 503)["cities"][0]["store_reachable"],
        false
    );
    metrics_without_the_store(&portal);
}

/// The SQLite file moved away under a running portal: its open connection still
/// answers, but neither probe believes it (both open the store anew).
fn the_sqlite_file_moved_away_while_serving(portal: &Portal) {
    let file = portal.cities[0].path().join("hakusho.sqlite3");
    let aside = file.with_extension("aside");
    std::fs::rename(&file, &aside).unwrap();
    assert_eq!(get(portal, "/healthz").status, 503);
    metrics_without_the_store(portal);
    std::fs::rename(&aside, &file).unwrap();
    assert_eq!(get(portal, "/healthz").status, 200);
}

/// The metrics still answer when a store does not, saying which.
fn metrics_without_the_store(portal: &Portal) {
    let metrics = get(portal, "/metrics");
    assert_eq!(metrics.status, 200);
    let parsed = exposition::parse(&metrics.text()).unwrap();
    let store_up = parsed.value("hakusho_store_up", &[("city", CITY)]);
    assert_eq!(store_up, Some(0.0));
    assert_eq!(parsed.value("hakusho_up", &[]), Some(1.0));
}

/// `/healthz?format=json`, answered with `status`.
fn healthz_json(portal: &Portal, status: u16) -> serde_json::Value {
    let answer = get(portal, "/healthz?format=json");
    assert_eq!(answer.status, status, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/json"));
    serde_json::from_str(&answer.text()).unwrap()
}

#[test]
fn a_portal_without_the_daemon_says_so_and_is_healthy() {
    let portal = Portal::start();
    drop(portal.cities[0].store());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let apps = portal.apps.clone();
    let (addr, task) = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let alone = web::Web::new(apps, Default::default());
        (addr, web::serve_on(listener, alone))
    });
    let answer = Http::new(addr).get("/healthz");
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(
        answer.text().contains("スケジューラー: デーモンなし"),
        "{}",
        answer.text()
    );
    task.abort();
}

#[test]
fn metrics_are_valid_prometheus_text_with_the_counts_and_nothing_personal() {
    let portal = Portal::start();
    upload_a_workbook(&portal);
    let runs = record_runs(&portal);
    build_the_reports(&portal);
    let answer = get(&portal, "/metrics");
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = answer.text();
    says_nothing_personal(&portal, &text);
    let exposition = match exposition::parse(&text) {
        Ok(parsed) => parsed,
        Err(error) => panic!("{error}\n{text}"),
    };
    let one = |name: &str, labels: &[(&str, &str)]| exposition.value(name, labels);
    assert_eq!(one("hakusho_up", &[]), Some(1.0));
    let states = [
        "accepted",
        "accepted_with_notes",
        "sent_back",
        "not_submitted",
        "overdue",
    ];
    let by_state: Vec<f64> = states
        .iter()
        .map(|s| one("hakusho_submissions", &[("city", CITY), ("state", s)]).unwrap())
        .collect();
    let departments = portal.app().config().departments.len() as f64;
    assert_eq!(by_state.iter().sum::<f64>(), departments, "{by_state:?}");
    assert_eq!(
        by_state[0] + by_state[1],
        1.0,
        "the upload was accepted: {by_state:?}"
    );
    for (outcome, count) in runs {
        let labels = [("city", CITY), ("job", "annual_run"), ("outcome", outcome)];
        assert_eq!(one("hakusho_runs_total", &labels), Some(count), "{outcome}");
    }
    let pending = one(
        "hakusho_deliveries",
        &[("city", CITY), ("state", "pending")],
    )
    .unwrap();
    let sent = one("hakusho_deliveries", &[("city", CITY), ("state", "sent")]).unwrap();
    assert!(pending + sent >= 1.0, "the receipt is in the outbox");
    assert!(one("hakusho_intake_seconds_count", &[]).unwrap() >= 1.0);
    assert!(one("hakusho_report_build_seconds_count", &[]).unwrap() >= 1.0);
    for family in ["hakusho_intake_seconds", "hakusho_report_build_seconds"] {
        assert_eq!(exposition.types[family], "histogram");
    }
}

/// 企画部 uploads its sample workbook through the page (an intake in this process).
fn upload_a_workbook(portal: &Portal) {
    let id = web::testing::sign_in(portal.app(), DEPARTMENT);
    let cookie = format!("{}={id}", web::auth::SESSION_COOKIE);
    let mut http = Http::new(portal.addr);
    let page = http.request(
        "GET",
        &format!("/{CITY}/department"),
        &[("Cookie", &cookie)],
        b"",
    );
    let csrf = page.csrf();
    let bytes = std::fs::read(repo().join("data/inbox/令和2年度_企画部.xlsx")).unwrap();
    let boundary = "hakusho-ops-test-boundary";
    let body = multipart_body(
        boundary,
        &[("csrf", &csrf)],
        &[("file", "企画部.xlsx", &bytes)],
    );
    let kind = format!("multipart/form-data; boundary={boundary}");
    let headers = [("Cookie", cookie.as_str()), ("Content-Type", kind.as_str())];
    let answer = http.request("POST", &format!("/{CITY}/upload"), &headers, &body);
    assert_eq!(answer.status, 303, "{}", answer.text());
}

/// The year's reports built in this process, as a run or a rebuild builds them.
fn build_the_reports(portal: &Portal) {
    let app = portal.app();
    let mut store = portal.cities[0].store();
    let built =
        hakusho::report::build::build_all_reports(app.config(), &mut store, app.build_time());
    built.unwrap();
}

/// Three runs of the annual job in the ledger: one succeeded, one failed, one left
/// unfinished. Returns each outcome's label and count.
fn record_runs(portal: &Portal) -> [(&'static str, f64); 3] {
    let mut store = portal.cities[0].store();
    let lease = RunLease {
        owner: "test".into(),
        until: "2999-01-01T00:00:00Z".into(),
    };
    let now = "2021-04-10T00:00:00Z";
    let times = [
        "2021-04-01T00:00:00Z",
        "2021-04-02T00:00:00Z",
        "2021-04-03T00:00:00Z",
    ];
    // One unfinished run per job at a time (the ledger's index): each is finished
    // before the next is claimed, the last left running.
    let endings = [
        Some((RunOutcome::Succeeded, None)),
        Some((RunOutcome::Failed, Some("試験の失敗"))),
        None,
    ];
    for (at, ending) in times.into_iter().zip(endings) {
        assert!(store
            .claim_run(CITY, "annual_run", at, now, &lease)
            .unwrap());
        if let Some((outcome, failure)) = ending {
            store
                .finish_run(CITY, "annual_run", at, now, outcome, failure)
                .unwrap();
        }
    }
    [("succeeded", 1.0), ("failed", 1.0), ("unfinished", 1.0)]
}

/// A strict reader of the Prometheus text format 0.0.4: every line a HELP, a TYPE or a
/// sample; names and label names as the format allows, label values quoted with only
/// `\\`, `\"` and `\n` escaped; each family's TYPE before its samples and its samples
/// together; a histogram's buckets rising to `+Inf`, which equals its `_count`.
mod exposition {
    use super::*;

    /// One sample.
    #[derive(Debug)]
    pub struct Sample {
        pub name: String,
        pub labels: BTreeMap<String, String>,
        pub value: f64,
    }

    #[derive(Debug, Default)]
    pub struct Exposition {
        pub types: BTreeMap<String, String>,
        pub samples: Vec<Sample>,
    }

    impl Exposition {
        /// The value of the sample with exactly these labels.
        pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
            let wanted: BTreeMap<String, String> = labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            (self.samples.iter())
                .find(|s| s.name == name && s.labels == wanted)
                .map(|s| s.value)
        }
    }

    pub fn parse(text: &str) -> Result<Exposition, String> {
        let body = text.strip_suffix('\n').ok_or("no line feed at the end")?;
        let mut parsed = Exposition::default();
        let mut finished: BTreeSet<String> = BTreeSet::new();
        let mut current: Option<String> = None;
        for line in body.split('\n') {
            let family = match line.strip_prefix("# ") {
                Some(comment) => comment_line(comment, &mut parsed)?,
                None => sample_line(line, &mut parsed)?,
            };
            if current.as_ref() != Some(&family) {
                if !finished.insert(family.clone()) {
                    return Err(format!("family {family} is split: {line}"));
                }
                current = Some(family);
            }
        }
        histograms(&parsed)?;
        Ok(parsed)
    }

    /// A HELP or TYPE line; returns its family.
    fn comment_line(comment: &str, parsed: &mut Exposition) -> Result<String, String> {
        let (keyword, rest) = comment.split_once(' ').ok_or(format!("# {comment}"))?;
        let (name, rest) = rest.split_once(' ').ok_or(format!("# {comment}"))?;
        if !is_name(name) {
            return Err(format!("bad name in # {comment}"));
        }
        match keyword {
            "HELP" => help_text(rest)?,
            "TYPE" => {
                let types = ["counter", "gauge", "histogram", "summary", "untyped"];
                if !types.contains(&rest) {
                    return Err(format!("bad type in # {comment}"));
                }
                if parsed
                    .samples
                    .iter()
                    .any(|s| family_of(&s.name, &parsed.types) == name)
                {
                    return Err(format!("TYPE after samples: {name}"));
                }
                if parsed.types.insert(name.into(), rest.into()).is_some() {
                    return Err(format!("two TYPE lines for {name}"));
                }
            }
            _ => return Err(format!("unknown comment # {comment}")),
        }
        Ok(name.to_string())
    }

    fn help_text(text: &str) -> Result<(), String> {
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\\' && !matches!(chars.next(), Some('\\' | 'n')) {
                return Err(format!("bad escape in HELP {text}"));
            }
        }
        Ok(())
    }

    /// A sample line; returns its family (declared by a TYPE line before it).
    fn sample_line(line: &str, parsed: &mut Exposition) -> Result<String, String> {
        let name_end = line.find(['{', ' ']).ok_or(format!("no value: {line}"))?;
        let name = &line[..name_end];
        if !is_name(name) {
            return Err(format!("bad metric name: {line}"));
        }
        let (labels, rest) = match line[name_end..].strip_prefix('{') {
            Some(after) => labels(after)?,
            None => (BTreeMap::new(), &line[name_end..]),
        };
        let value = rest
            .strip_prefix(' ')
            .ok_or(format!("no space before the value: {line}"))?;
        let value = number(value).ok_or(format!("bad value: {line}"))?;
        let family = family_of(name, &parsed.types);
        if !parsed.types.contains_key(&family) {
            return Err(format!("no TYPE before {line}"));
        }
        parsed.samples.push(Sample {
            name: name.into(),
            labels,
            value,
        });
        Ok(family)
    }

    /// `k="v",…}` → the labels and what follows the brace.
    fn labels(mut rest: &str) -> Result<(BTreeMap<String, String>, &str), String> {
        let mut found = BTreeMap::new();
        loop {
            if let Some(after) = rest.strip_prefix('}') {
                return Ok((found, after));
            }
            let (name, after) = rest.split_once("=\"").ok_or(format!("bad label: {rest}"))?;
            if !is_name(name) || name.contains(':') || name.starts_with("__") {
                return Err(format!("bad label name {name}"));
            }
            let (value, after) = label_value(after)?;
            if found.insert(name.to_string(), value).is_some() {
                return Err(format!("label {name} twice"));
            }
            rest = after.strip_prefix(',').unwrap_or(after);
        }
    }

    /// A quoted value's text up to its closing quote, unescaped, and what follows.
    fn label_value(text: &str) -> Result<(String, &str), String> {
        let mut value = String::new();
        let mut chars = text.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => return Ok((value, &text[at + 1..])),
                '\\' => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?} in {text}")),
                },
                '\n' => return Err("line feed in a label value".into()),
                c => value.push(c),
            }
        }
        Err(format!("unclosed label value: {text}"))
    }

    fn number(text: &str) -> Option<f64> {
        match text {
            "+Inf" => Some(f64::INFINITY),
            "-Inf" => Some(f64::NEG_INFINITY),
            "NaN" => Some(f64::NAN),
            _ if text
                .chars()
                .all(|c| c.is_ascii_digit() || ".-+eE".contains(c)) =>
            {
                text.parse().ok()
            }
            _ => None,
        }
    }

    /// The family a sample belongs to: a histogram's `_bucket`, `_sum`, `_count` are its.
    fn family_of(name: &str, types: &BTreeMap<String, String>) -> String {
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(base) = name.strip_suffix(suffix) {
                if types.get(base).is_some_and(|t| t == "histogram") {
                    return base.to_string();
                }
            }
        }
        name.to_string()
    }

    /// Each histogram: `le` rising to `+Inf`, counts never falling, `+Inf` = `_count`.
    fn histograms(parsed: &Exposition) -> Result<(), String> {
        for (name, _) in parsed.types.iter().filter(|(_, t)| *t == "histogram") {
            let bucket = format!("{name}_bucket");
            let buckets: Vec<(f64, f64)> = (parsed.samples.iter())
                .filter(|s| s.name == bucket)
                .map(|s| (number(&s.labels["le"]).unwrap(), s.value))
                .collect();
            let rising = buckets
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1);
            let last = buckets.last().ok_or(format!("{name} has no bucket"))?;
            let count = parsed.value(&format!("{name}_count"), &[]);
            let sum = parsed.value(&format!("{name}_sum"), &[]);
            if !rising || last.0 != f64::INFINITY || Some(last.1) != count || sum.is_none() {
                return Err(format!(
                    "{name}: buckets {buckets:?}, count {count:?}, sum {sum:?}"
                ));
            }
        }
        Ok(())
    }

    fn is_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }

    #[test]
    fn the_reader_refuses_what_the_format_does_not_allow() {
        let good = "# HELP a x\n# TYPE a gauge\na{b=\"c\\\"d\"} 1\n";
        assert!(parse(good).is_ok());
        for bad in [
            "# TYPE a gauge\na 1",
            "a 1\n",
            "# TYPE a gauge\na{b=c} 1\n",
            "# TYPE a gauge\na{b=\"c\\x\"} 1\n",
            "# TYPE a gauge\na one\n",
            "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na 2\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
            "# TYPE 1a gauge\n1a 1\n",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
