//! Several cities in one deployment, sharing one store: nothing crosses. Two cities
//! whose departments have the same names (both have 企画部), different recipients and
//! different submissions, run by the real binary; every mail read back from each
//! city's .eml folder, every report from each city's folder.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use calamine::{open_workbook_auto, Reader};
use common::{repo, BUILD_EPOCH, DEPARTMENTS};
use mail_parser::MessageParser;

/// One city of the test deployment.
struct City {
    folder: &'static str,
    name: &'static str,
    code: &'static str,
    domain: &'static str,
}

const MITAKA: City = City {
    folder: "mitaka",
    name: "三鷹市",
    code: "132047",
    domain: "mitaka.example",
};

const MUSASHINO: City = City {
    folder: "musashino",
    name: "武蔵野市",
    code: "132039",
    domain: "musashino.example",
};

/// A deployment file and its two cities in a temporary folder, sharing one store (the
/// SQLite file `shared.sqlite3`); each city's folders (inbox, reports, outbox) its own.
struct Deployment {
    dir: tempfile::TempDir,
}

impl Deployment {
    fn new() -> Deployment {
        let dir = tempfile::tempdir().unwrap();
        let deployment = Deployment { dir };
        for city in [&MITAKA, &MUSASHINO] {
            deployment.write_city(city);
        }
        let cities = "[[cities]]\nconfig = \"mitaka/hakusho.toml\"\n[[cities]]\nconfig = \"musashino/hakusho.toml\"\n";
        std::fs::write(deployment.config(), format!("{}{cities}", store_table())).unwrap();
        deployment
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("hosting.toml")
    }

    fn folder(&self, city: &City) -> PathBuf {
        self.dir.path().join(city.folder)
    }

    fn inbox(&self, city: &City) -> PathBuf {
        self.folder(city).join("inbox")
    }

    /// The sample configuration with the city's name, code and mail domain, every
    /// folder inside the city's own, the store shared.
    fn write_city(&self, city: &City) {
        std::fs::create_dir_all(self.inbox(city)).unwrap();
        let text = city_config(city.name, city.code, city.domain);
        std::fs::write(self.folder(city).join("hakusho.toml"), text).unwrap();
    }

    /// Copies sample workbooks of these departments into the city's inbox.
    fn submit(&self, city: &City, departments: &[&str]) {
        for department in departments {
            let name = format!("令和2年度_{department}.xlsx");
            std::fs::copy(
                repo().join("data/inbox").join(&name),
                self.inbox(city).join(&name),
            )
            .unwrap();
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hakusho"));
        command
            .args(args)
            .arg("--config")
            .arg(self.config())
            .env("SOURCE_DATE_EPOCH", BUILD_EPOCH)
            .env_remove("HAKUSHO_CITY")
            .current_dir(self.dir.path());
        command
    }

    fn hakusho(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// The mails a city wrote (`transport = "file"`), as (recipients, subject, raw text).
    fn mails(&self, city: &City) -> Vec<(Vec<String>, String, String)> {
        let Ok(entries) = std::fs::read_dir(self.folder(city).join("outbox")) else {
            return Vec::new();
        };
        let mut mails: Vec<_> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .map(|path| read_mail(&path))
            .collect();
        mails.sort();
        mails
    }
}

/// The deployment's `[store]`: none on SQLite, where the cities name one file. On
/// PostgreSQL (`HAKUSHO_TEST_POSTGRES`), tests/common's fresh database goes here.
fn store_table() -> String {
    String::new()
}

/// The sample configuration with this name, code and mail domain, every folder in the
/// city's own (relative to its file), the store the SQLite file `../shared.sqlite3`.
fn city_config(name: &str, code: &str, domain: &str) -> String {
    let sample = std::fs::read_to_string(repo().join("data/hakusho.toml")).unwrap();
    let start = sample.find("[paths]").unwrap();
    let end = start + sample[start..].find("\n\n").unwrap();
    let paths = format!(
        "[paths]\ninbox = \"inbox\"\narchive = \"archive\"\nreports = \"reports\"\n\
         database = \"../shared.sqlite3\"\noutbox = \"outbox\"\ntemplates = \"{}\"\nfonts = \"{}\"\nplan = \"{}\"\ninbox_poll_seconds = 1",
        repo().join("templates").display(),
        repo().join("fonts").display(),
        repo().join("data/plan").display()
    );
    format!("{}{}{}", &sample[..start], paths, &sample[end..])
        .replace("name = \"三鷹市\"", &format!("name = \"{name}\""))
        .replace("code = \"132047\"", &format!("code = \"{code}\""))
        .replace("三鷹市企画部", &format!("{name}企画部"))
        .replace("mitaka.example", domain)
        .replace(common::PORTAL_LISTEN, "listen = \"127.0.0.1:0\"")
}

fn read_mail(path: &Path) -> (Vec<String>, String, String) {
    let raw = std::fs::read(path).unwrap();
    let message = MessageParser::default().parse(&raw).unwrap();
    let to = message
        .to()
        .map(|a| {
            a.iter()
                .filter_map(|a| a.address())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let subject = message.subject().unwrap_or_default().to_string();
    (to, subject, String::from_utf8_lossy(&raw).into_owned())
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The departments with a figure of the year (達成値, column 9) in the consolidated
/// workbook's 目標指標 sheet: it lists every indicator of the plan, and the earlier
/// periods come from the plan, the year's figure only from a submission.
fn departments_in_report(deployment: &Deployment, city: &City) -> Vec<String> {
    let path = deployment
        .folder(city)
        .join("reports/令和2年度/令和2年度_白書データ_全庁.xlsx");
    let mut workbook = open_workbook_auto(&path).unwrap();
    let sheet = workbook.worksheet_range("目標指標").unwrap();
    let mut found: Vec<String> = sheet
        .rows()
        .skip(1)
        .filter(|r| !r[9].to_string().trim().is_empty())
        .map(|r| r[0].to_string())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Every mail of `city` goes to its own domain only, names it in the subject, and
/// never mentions the other city's domain or name.
fn assert_only_own(deployment: &Deployment, city: &City, other: &City) {
    let mails = deployment.mails(city);
    assert!(!mails.is_empty(), "{} mailed nothing", city.name);
    for (to, subject, raw) in &mails {
        assert!(
            to.iter().all(|a| a.ends_with(city.domain)),
            "{}: {to:?} {subject}",
            city.name
        );
        assert!(subject.contains(&format!("【{}】", city.name)), "{subject}");
        assert!(
            !raw.contains(other.domain),
            "{} mail names {}",
            city.name,
            other.domain
        );
        assert!(!subject.contains(other.name), "{subject}");
    }
}

/// The mails to a city's 企画部: (receipts, department reports).
fn kikaku_mails(deployment: &Deployment, city: &City) -> (usize, usize) {
    let address = format!("kikaku-bu@{}", city.domain);
    let mails: Vec<_> = deployment
        .mails(city)
        .into_iter()
        .filter(|(to, _, _)| to.contains(&address))
        .collect();
    let receipts = mails.iter().filter(|m| m.1.contains("受付結果")).count();
    let reports = mails.iter().filter(|m| m.1.contains("集計結果")).count();
    (receipts, reports)
}

#[test]
fn two_cities_with_the_same_department_names_share_a_store_and_cross_nothing() {
    let deployment = Deployment::new();
    deployment.submit(&MITAKA, &DEPARTMENTS);
    // The same bytes as two of Mitaka's files: in another city, other submissions.
    deployment.submit(&MUSASHINO, &["企画部", "総務部"]);

    let output = deployment.hakusho(&["run", "--once"]);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    let (a, b) = (
        out.find("== 三鷹市 (132047) ==").unwrap(),
        out.find("== 武蔵野市 (132039) ==").unwrap(),
    );
    assert!(
        a < b,
        "one city after the other, in the file's order\n{out}"
    );
    assert_eq!(out[a..b].matches("… 受理").count(), 10, "{out}");
    assert_eq!(out[b..].matches("… 受理").count(), 2, "{out}");

    mail_reports_and_status_are_each_citys_own(&deployment);
    a_file_in_one_inbox_stays_in_that_city(&deployment);
    health_of_both(&deployment);
}

/// After the run: each city's mail to its own people, its reports on its own
/// submissions, its own status.
fn mail_reports_and_status_are_each_citys_own(deployment: &Deployment) {
    // Mail: each city's to its own people only; each 企画部 its own receipt and report.
    assert_only_own(deployment, &MITAKA, &MUSASHINO);
    assert_only_own(deployment, &MUSASHINO, &MITAKA);
    assert_eq!(kikaku_mails(deployment, &MITAKA), (1, 1));
    assert_eq!(kikaku_mails(deployment, &MUSASHINO), (1, 1));
    // Musashino's 市民部 submitted nothing there: no receipt, though Mitaka's did.
    let shimin = |city: &City| {
        deployment
            .mails(city)
            .iter()
            .filter(|(to, s, _)| {
                to.contains(&format!("shimin-bu@{}", city.domain)) && s.contains("受付結果")
            })
            .count()
    };
    assert_eq!((shimin(&MITAKA), shimin(&MUSASHINO)), (1, 0));

    // Reports count each city's own submissions: Musashino's list only its two
    // departments (of those that own indicators), Mitaka's all of its own.
    let mitaka = departments_in_report(deployment, &MITAKA);
    let own: Vec<String> = mitaka
        .iter()
        .filter(|d| ["企画部", "総務部"].contains(&d.as_str()))
        .cloned()
        .collect();
    assert!(!own.is_empty() && mitaka.len() > own.len(), "{mitaka:?}");
    assert_eq!(departments_in_report(deployment, &MUSASHINO), own);
    status_is_each_citys_own(deployment);
}

/// Status per city; a one-city command without --city names the cities.
fn status_is_each_citys_own(deployment: &Deployment) {
    let status = |city: &str| text(&deployment.hakusho(&["--city", city, "status"]));
    let mitaka = status("三鷹市");
    assert!(
        mitaka.starts_with("三鷹市 令和2年度 の提出状況"),
        "{mitaka}"
    );
    assert_eq!(mitaka.matches("未提出").count(), 0, "{mitaka}");
    let musashino = status("132039");
    assert!(
        musashino.starts_with("武蔵野市 令和2年度 の提出状況"),
        "{musashino}"
    );
    assert_eq!(musashino.matches(": 未提出").count(), 8, "{musashino}");
    assert!(musashino.contains("企画部: 受理"), "{musashino}");
    let unnamed = deployment.hakusho(&["status"]);
    assert_eq!(unnamed.status.code(), Some(2));
    let said = text(&unnamed);
    assert!(
        said.contains("--city")
            && said.contains("132047 三鷹市")
            && said.contains("132039 武蔵野市"),
        "{said}"
    );
}

/// A file dropped in Mitaka's inbox is Mitaka's alone: Musashino mails nothing more
/// and its status does not change.
fn a_file_in_one_inbox_stays_in_that_city(deployment: &Deployment) {
    let before = (
        deployment.mails(&MITAKA).len(),
        deployment.mails(&MUSASHINO).len(),
    );
    let status_before = text(&deployment.hakusho(&["--city", "武蔵野市", "status"]));
    std::fs::copy(
        repo().join("data/inbox/令和2年度_市民部.xlsx"),
        deployment.inbox(&MITAKA).join("市民部_再提出.xlsx"),
    )
    .unwrap();
    std::fs::write(
        deployment.inbox(&MITAKA).join("壊れた.xlsx"),
        b"not a workbook",
    )
    .unwrap();
    let output = deployment.hakusho(&["run", "--once"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a file sent back: 1\n{}",
        text(&output)
    );
    assert!(deployment.mails(&MITAKA).len() > before.0);
    assert_eq!(deployment.mails(&MUSASHINO).len(), before.1);
    let status_after = text(&deployment.hakusho(&["--city", "武蔵野市", "status"]));
    assert_eq!(status_before, status_after);
    assert_only_own(deployment, &MITAKA, &MUSASHINO);
}

/// `health` on the deployment: the store migrated, both cities healthy.
fn health_of_both(deployment: &Deployment) {
    let output = deployment.hakusho(&["health", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["status"], "healthy");
    assert_eq!(
        json["stores"].as_array().unwrap().len(),
        1,
        "one shared store"
    );
    let codes: Vec<&str> = json["cities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["132047", "132039"]);
    let lines = text(&deployment.hakusho(&["health", "--city", "武蔵野市"]));
    assert!(lines.contains("武蔵野市 (132039): 正常"), "{lines}");
    assert!(!lines.contains("三鷹市"), "{lines}");
}

#[test]
fn health_names_the_degraded_city_and_a_missing_store_is_unreachable() {
    let deployment = Deployment::new();
    let missing = deployment.hakusho(&["health"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(text(&missing).contains("停止"), "{}", text(&missing));

    // Musashino's mail server refuses connections and it gives up at the first try.
    unreachable_mail(&deployment, &MUSASHINO, 1);
    for city in [&MITAKA, &MUSASHINO] {
        ingest(&deployment, city, "企画部");
    }

    let output = deployment.hakusho(&["health"]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "degraded: 1\n{said}");
    assert!(said.contains("三鷹市 (132047): 正常"), "{said}");
    assert!(said.contains("武蔵野市 (132039): 要確認"), "{said}");
    assert!(said.contains("配送不能のメールが"), "{said}");
    let json: serde_json::Value =
        serde_json::from_slice(&deployment.hakusho(&["health", "--json"]).stdout).unwrap();
    assert_eq!(json["status"], "degraded");
    assert_eq!(json["cities"][0]["outbox"]["failed"], 0);
    assert!(json["cities"][1]["outbox"]["failed"].as_i64().unwrap() > 0);
    assert_eq!(json["cities"][1]["status"], "degraded");
    assert_eq!(json["cities"][0]["status"], "healthy");
}

#[test]
fn serve_takes_a_file_dropped_in_one_city_inbox_into_that_city_only() {
    let deployment = Deployment::new();
    let daemon = deployment
        .command(&["serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    deployment.submit(&MUSASHINO, &["企画部"]);
    let deadline = Instant::now() + Duration::from_secs(180);
    while kikaku_mails(&deployment, &MUSASHINO).0 == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = common::terminate(daemon);
    let logs = text(&output);
    assert_eq!(kikaku_mails(&deployment, &MUSASHINO), (1, 0), "{logs}");
    assert!(deployment.mails(&MITAKA).is_empty(), "{logs}");
    let mitaka = text(&deployment.hakusho(&["--city", "三鷹市", "status"]));
    assert_eq!(mitaka.matches(": 未提出").count(), 10, "{mitaka}");
    assert!(
        logs.contains("132039"),
        "each city's log lines name it\n{logs}"
    );
}

/// Points a city's mail at a closed port on loopback, giving up after `attempts`.
fn unreachable_mail(deployment: &Deployment, city: &City, attempts: u32) {
    let config = deployment.folder(city).join("hakusho.toml");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let smtp = format!("transport = \"smtp\"\nmax_attempts = {attempts}\nretry_seconds = 0\n\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\ntimeout_seconds = 5");
    let text = std::fs::read_to_string(&config).unwrap();
    let start = text.find("transport = ").unwrap();
    let end = start + text[start..].find("\n[managers]").unwrap();
    let text = format!("{}{smtp}\n{}", &text[..start], &text[end..]);
    std::fs::write(&config, text).unwrap();
}

fn ingest(deployment: &Deployment, city: &City, department: &str) {
    deployment.submit(city, &[department]);
    let file = deployment
        .inbox(city)
        .join(format!("令和2年度_{department}.xlsx"));
    let output = deployment.hakusho(&["--city", city.code, "ingest", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

fn outbox_of(deployment: &Deployment, index: usize) -> serde_json::Value {
    let output = deployment.hakusho(&["health", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut outbox = json["cities"][index]["outbox"].clone();
    // The age grows with the clock; the stamp it is counted from does not.
    outbox["oldest_pending_age_seconds"] = serde_json::Value::Null;
    outbox
}

#[test]
fn one_city_sending_never_takes_or_requeues_another_citys_mail() {
    let deployment = Deployment::new();
    // Mitaka's copies fail for good (one attempt), then wait due at once (retries).
    unreachable_mail(&deployment, &MITAKA, 1);
    ingest(&deployment, &MITAKA, "企画部");
    unreachable_mail(&deployment, &MITAKA, 10);
    ingest(&deployment, &MITAKA, "総務部");
    let mitaka = outbox_of(&deployment, 0);
    assert!(mitaka["failed"].as_i64().unwrap() > 0, "{mitaka}");
    assert!(mitaka["pending"].as_i64().unwrap() > 0, "{mitaka}");

    // Musashino delivers and requeues: its own copies only, through its own sender.
    ingest(&deployment, &MUSASHINO, "企画部");
    let output = deployment.hakusho(&["--city", "武蔵野市", "send", "--retry-undeliverable"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_only_own(&deployment, &MUSASHINO, &MITAKA);
    assert_eq!(kikaku_mails(&deployment, &MUSASHINO), (1, 0));
    assert_eq!(
        outbox_of(&deployment, 0),
        mitaka,
        "Mitaka's outbox untouched"
    );
}

/// The threads and open descriptors of a process, from /proc.
fn threads_and_descriptors(pid: u32) -> (usize, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap();
    let descriptors = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    (threads, descriptors)
}

#[test]
fn serving_two_hundred_cities_holds_no_thread_or_descriptor_per_city() {
    let dir = tempfile::tempdir().unwrap();
    let mut list = String::new();
    for i in 0..200 {
        let folder = dir.path().join(format!("c{i:03}"));
        std::fs::create_dir_all(folder.join("inbox")).unwrap();
        let text = city_config(
            &format!("市{i:03}"),
            &format!("9{i:05}"),
            &format!("c{i}.example"),
        );
        std::fs::write(folder.join("hakusho.toml"), text).unwrap();
        list.push_str(&format!("[[cities]]\nconfig = \"c{i:03}/hakusho.toml\"\n"));
    }
    std::fs::write(
        dir.path().join("hosting.toml"),
        format!("{}{list}", store_table()),
    )
    .unwrap();
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_hakusho"))
        .args(["--config", "hosting.toml", "serve"])
        .current_dir(dir.path())
        .env_remove("HAKUSHO_CITY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read to the end on a thread of its own: a full pipe would stop the daemon's logs.
    let stderr = daemon.stderr.take().unwrap();
    let (serving, started) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            if line.contains("hakusho is serving") {
                let _ = serving.send(());
            }
        }
    });
    started.recv().expect("the daemon stopped before serving");
    // Looked at while the 200 cities catch up and their workers start.
    let mut most = (0, 0);
    for _ in 0..20 {
        let (t, d) = threads_and_descriptors(daemon.id());
        most = (most.0.max(t), most.1.max(d));
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = common::terminate(daemon);
    assert!(output.status.success());
    // The runtime's workers, a few blocking threads, one file-event thread; the store
    // connections of the few cities at work: far below one per city.
    assert!(most.0 < 50, "{} threads for 200 cities", most.0);
    assert!(most.1 < 60, "{} descriptors for 200 cities", most.1);
}

#[test]
fn run_once_goes_on_past_a_failing_city_and_exits_with_the_worst_status() {
    let deployment = Deployment::new();
    deployment.submit(&MITAKA, &["企画部"]);
    std::fs::write(
        deployment.inbox(&MITAKA).join("壊れた.xlsx"),
        b"not a workbook",
    )
    .unwrap();
    // Musashino cannot run: its inbox is gone.
    std::fs::remove_dir_all(deployment.inbox(&MUSASHINO)).unwrap();
    let output = deployment.hakusho(&["run", "--once"]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(2), "a city failed: 2\n{said}");
    assert!(said.contains("== 三鷹市 (132047) =="), "{said}");
    assert!(
        said.contains("… 受理") && said.contains("… 差戻し"),
        "{said}"
    );
    assert!(
        said.contains("武蔵野市 (132039)") && said.contains("paths.inbox"),
        "{said}"
    );
    assert_eq!(kikaku_mails(&deployment, &MITAKA), (1, 1), "Mitaka ran");

    // Narrowed to Mitaka, the worst is a new file sent back: 1.
    std::fs::write(
        deployment.inbox(&MITAKA).join("壊れた2.xlsx"),
        b"still not one",
    )
    .unwrap();
    let output = deployment.hakusho(&["run", "--once", "--city", "三鷹市"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
}

/// The store's own interface, two cities on one file: what one city's code writes or
/// claims with the same bytes, key, job and time never reaches the other's rows.
mod one_store {
    use hakusho::store::{Claim, DeliveryState, NewMessage, NewSubmission, RunLease, Store};

    const CITIES: [&str; 2] = ["132047", "132039"];
    const NOW: &str = "2021-04-15T00:00:00Z";

    fn submission(city: &str) -> NewSubmission<'_> {
        NewSubmission {
            city_code: city,
            sha256: "same-bytes",
            file_name: "令和2年度_企画部.xlsx",
            archived_path: "archive/same-bytes.xlsx",
            department: Some("企画部"),
            fiscal_year: None,
            received_at: NOW,
            findings: &[],
            accepted: None,
            uploaded_by: None,
        }
    }

    fn message(recipients: &[String]) -> NewMessage<'_> {
        NewMessage {
            key: "receipt:same-bytes:企画部",
            subject: "受付結果",
            body: "",
            recipients,
            attachments: &[],
        }
    }

    fn lease() -> RunLease {
        RunLease {
            owner: "test".to_string(),
            until: "2099-01-01T00:00:00Z".to_string(),
        }
    }

    #[test]
    fn the_same_bytes_key_and_job_in_two_cities_are_two_rows_each_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("shared.sqlite3")).unwrap();
        let recipients = [
            "kikaku-bu@example".to_string(),
            "somu-bu@example".to_string(),
        ];
        let mut ids = Vec::new();
        for city in CITIES {
            ids.push(store.record_submission(&submission(city)).unwrap());
            assert!(store
                .enqueue_message(city, &message(&recipients), NOW)
                .unwrap());
            assert!(store
                .claim_run(city, "annual_run", NOW, NOW, &lease())
                .unwrap());
        }
        assert_ne!(ids[0], ids[1], "two submissions");
        for (city, id) in CITIES.iter().zip(&ids) {
            assert_eq!(
                store
                    .submission_by_hash(city, "same-bytes")
                    .unwrap()
                    .unwrap()
                    .id,
                *id
            );
        }
        claims_and_failures_stay_in_their_city(&mut store);
        runs_and_pauses_stay_in_their_city(&mut store);
    }

    /// Mitaka claims every copy it can and fails them: Musashino's stay pending, and
    /// Mitaka's failures and requeue are Mitaka's alone.
    fn claims_and_failures_stay_in_their_city(store: &mut Store) {
        let claim = Claim {
            token: "mitaka-sender",
            now: NOW,
            lease_until: "2099-01-01T00:00:00Z",
        };
        let mut claimed = 0;
        while let Some(copy) = store.claim_next(CITIES[0], 0, claim).unwrap() {
            assert!(store.mark_failed(copy.id, claim.token, "550").unwrap());
            claimed += 1;
        }
        assert_eq!(claimed, 2, "Mitaka's two copies, not Musashino's");
        let musashino = store.outbox_counts(CITIES[1]).unwrap();
        assert_eq!((musashino.pending, musashino.failed), (2, 0));
        assert!(store
            .take_unreported_failures(CITIES[1])
            .unwrap()
            .is_empty());
        assert_eq!(store.take_unreported_failures(CITIES[0]).unwrap().len(), 2);
        assert_eq!(store.requeue_failed(CITIES[1], NOW).unwrap(), 0);
        assert_eq!(
            store
                .deliveries_in(CITIES[0], DeliveryState::Failed)
                .unwrap()
                .len(),
            2
        );
    }

    fn runs_and_pauses_stay_in_their_city(store: &mut Store) {
        use hakusho::store::RunOutcome;
        store
            .finish_run(
                CITIES[0],
                "annual_run",
                NOW,
                NOW,
                RunOutcome::Succeeded,
                None,
            )
            .unwrap();
        assert!(store
            .unfinished_run(CITIES[0], "annual_run")
            .unwrap()
            .is_none());
        assert!(store
            .unfinished_run(CITIES[1], "annual_run")
            .unwrap()
            .is_some());
        assert!(store.pause_delivery(CITIES[0], "535", NOW).unwrap());
        assert!(store.delivery_pause(CITIES[1]).unwrap().is_none());
        assert!(!store.resume_delivery(CITIES[1]).unwrap());
        assert!(store.delivery_pause(CITIES[0]).unwrap().is_some());
    }
}
