//! Mail is never lost or sent twice: a real SMTP server on loopback that is down for a
//! whole run, refuses a recipient for good, or gives up half-way; the outbox resumes,
//! retries only what failed, and reports what cannot be delivered.

mod common;

use std::collections::BTreeSet;

use common::{stdout_of, SmtpSink, TestCity};
use hakusho::config::Config;
use hakusho::store::{Claim, DeliveryState, Store};
use mail_parser::MessageParser;

/// A port nothing listens on (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// (recipient, subject, Message-ID) of each message the sink accepted.
fn received(sink: &SmtpSink, count: usize) -> Vec<(String, String, String)> {
    sink.wait_for(count)
        .into_iter()
        .map(|(recipients, bytes)| {
            let message = MessageParser::default().parse(&bytes).unwrap();
            (
                recipients.join(","),
                message.subject().unwrap().to_string(),
                message.message_id().unwrap().to_string(),
            )
        })
        .collect()
}

fn assert_no_duplicates(messages: &[(String, String, String)]) {
    let copies: BTreeSet<_> = messages
        .iter()
        .map(|(to, subject, _)| (to.clone(), subject.clone()))
        .collect();
    assert_eq!(
        copies.len(),
        messages.len(),
        "a recipient got the same message twice"
    );
    let ids: BTreeSet<_> = messages.iter().map(|(_, _, id)| id.clone()).collect();
    assert_eq!(ids.len(), messages.len());
}

#[test]
fn a_server_down_for_a_whole_run_then_up_gets_every_message_once() {
    let port = free_port();
    let city = TestCity::new(Some(port));
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    assert!(
        stdout.contains("配送: 送信 0 件、再試行待ち 22 件、配送不能 0 件"),
        "{stdout}"
    );

    let sink = SmtpSink::start_with(&["--port", &port.to_string()]);
    let stdout = stdout_of(&city.hakusho(&["send"]));
    assert!(
        stdout.starts_with("配送: 送信 22 件、再試行待ち 0 件、配送不能 0 件"),
        "{stdout}"
    );
    let stdout = stdout_of(&city.hakusho(&["send"]));
    assert!(stdout.starts_with("配送: 送信 0 件"), "{stdout}");
    let messages = received(&sink, 22);
    assert_eq!(
        messages.len(),
        22,
        "10 receipts, 10 department reports, 2 manager copies"
    );
    assert_no_duplicates(&messages);
}

#[test]
fn a_permanent_refusal_is_recorded_reported_to_the_managers_and_not_retried() {
    let sink = SmtpSink::start_with(&["--reject", "kikaku-bu@mitaka.example"]);
    let city = TestCity::new(Some(sink.port));
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    // 企画部's receipt and report are refused; the managers hear of it.
    assert!(
        stdout.contains("配送: 送信 22 件、再試行待ち 0 件、配送不能 2 件"),
        "{stdout}"
    );
    let messages = received(&sink, 22);
    let reports: Vec<_> = messages
        .iter()
        .filter(|(_, subject, _)| subject.contains("配信できなかったメール（2件）"))
        .collect();
    assert_eq!(reports.len(), 2, "one copy to each manager");
    assert!(messages.iter().all(|(to, _, _)| !to.contains("kikaku-bu")));

    let stdout = stdout_of(&city.hakusho(&["send"]));
    assert!(
        stdout.starts_with("配送: 送信 0 件、再試行待ち 0 件、配送不能 0 件"),
        "not retried: {stdout}"
    );
    let status = stdout_of(&city.hakusho(&["status"]));
    assert!(status.contains("配送不能 2 件"), "{status}");
    assert!(
        status.contains(
            "配送不能: 企画部 <kikaku-bu@mitaka.example> (SMTP サーバーが受け取りを拒否しました"
        ),
        "{status}"
    );
}

#[test]
fn a_delivery_cut_short_resumes_after_a_restart_and_sends_each_copy_once() {
    let first = SmtpSink::start_with(&["--transient-after", "10"]);
    let port = first.port;
    let city = TestCity::new(Some(port));
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    assert!(
        stdout.contains("配送: 送信 10 件、再試行待ち 12 件"),
        "{stdout}"
    );
    let before = received(&first, 10);
    drop(first);

    // A process that died while handing a copy over leaves it `sending` under a lease
    // that has run out: the next sender takes it.
    let config = Config::load(&city.config_path()).unwrap();
    let mut store = common::open_store(&config);
    let claim = Claim {
        token: "a-sender-that-died",
        now: "9999-12-31T00:00:00Z",
        lease_until: "2000-01-01T00:00:00Z",
    };
    let orphan = store.claim_next(&config.city.code, 0, claim).unwrap();
    assert_eq!(orphan.unwrap().state, DeliveryState::Sending);
    drop(store);

    let second = SmtpSink::start_with(&["--port", &port.to_string()]);
    let stdout = stdout_of(&city.hakusho(&["send"]));
    assert!(
        stdout.starts_with("配送: 送信 12 件、再試行待ち 0 件、配送不能 0 件"),
        "{stdout}"
    );
    let after = received(&second, 12);
    let all: Vec<_> = before.into_iter().chain(after).collect();
    assert_eq!(all.len(), 22);
    assert_no_duplicates(&all);
}

#[test]
fn a_message_over_the_size_limit_says_where_its_files_are_instead() {
    let city = TestCity::new(None);
    let config = std::fs::read_to_string(city.config_path())
        .unwrap()
        .replace(
            "transport = \"file\"",
            "transport = \"file\"\nmax_message_bytes = 300000",
        );
    std::fs::write(city.config_path(), config).unwrap();
    stdout_of(&city.hakusho(&["run", "--once"]));
    let outbox = city.path().join("outbox");
    let managers: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .filter(|b| String::from_utf8_lossy(b).contains("fukushicho@mitaka.example"))
        .collect();
    assert_eq!(
        managers.len(),
        1,
        "the 副市長室 gets the whole-city report only"
    );
    let report = managers
        .iter()
        .map(|b| MessageParser::default().parse(b).unwrap())
        .find(|m| m.subject().unwrap().contains("全庁集計"))
        .unwrap();
    assert_eq!(report.attachment_count(), 0);
    let body = report.body_text(0).unwrap();
    assert!(body.contains("添付ファイルが大きいため"), "{body}");
    assert!(body.contains("令和2年度_自治体経営白書.pdf"), "{body}");
}

/// A city whose mail goes over TLS (`starttls` or `tls`) with a login, to a sink with a
/// certificate from a test CA that the city trusts through `ca_file`.
fn tls_city(security: &str, sink_options: &[&str]) -> (TestCity, SmtpSink) {
    let certs = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("python3")
        .arg(common::repo().join("tests/support/make_cert.py"))
        .arg(certs.path())
        .status()
        .unwrap();
    assert!(status.success());
    let cert = certs.path().join("cert.pem");
    let key = certs.path().join("key.pem");
    let mut options = vec![
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--auth",
        "hakusho:s3cret-パス",
    ];
    options.extend_from_slice(sink_options);
    let sink = SmtpSink::start_with(&options);
    let city = TestCity::new(Some(sink.port));
    let ca = city.path().join("ca.pem");
    std::fs::copy(certs.path().join("ca.pem"), &ca).unwrap();
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    let text = text
        .replace("host = \"127.0.0.1\"", "host = \"localhost\"")
        .replace("security = \"none\"", &format!("security = \"{security}\"\nuser = \"hakusho\"\npassword_env = \"HAKUSHO_TEST_SMTP_PASSWORD\"\nca_file = \"ca.pem\""));
    std::fs::write(city.config_path(), text).unwrap();
    (city, sink)
}

fn metas(sink: &SmtpSink) -> Vec<String> {
    let mut metas: Vec<String> = std::fs::read_dir(sink.folder.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "meta"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    metas.sort();
    metas
}

#[test]
fn starttls_with_a_login_delivers_encrypted_and_never_logs_the_password() {
    let (city, sink) = tls_city("starttls", &["--starttls"]);
    let output = city.hakusho_with_env(
        &["run", "--once"],
        &[("HAKUSHO_TEST_SMTP_PASSWORD", "s3cret-パス")],
    );
    let stdout = stdout_of(&output);
    assert!(stdout.contains("配送: 送信 22 件"), "{stdout}");
    assert_eq!(received(&sink, 22).len(), 22);
    assert!(
        metas(&sink).iter().all(|m| m == "tls=True auth=hakusho"),
        "{:?}",
        metas(&sink)
    );
    assert!(
        !stdout.contains("s3cret") && !String::from_utf8_lossy(&output.stderr).contains("s3cret")
    );
}

#[test]
fn implicit_tls_with_a_login_delivers_encrypted() {
    let (city, sink) = tls_city("tls", &["--implicit-tls"]);
    let stdout = stdout_of(&city.hakusho_with_env(
        &["run", "--once"],
        &[("HAKUSHO_TEST_SMTP_PASSWORD", "s3cret-パス")],
    ));
    assert!(stdout.contains("配送: 送信 22 件"), "{stdout}");
    assert_eq!(received(&sink, 22).len(), 22);
    assert!(metas(&sink).iter().all(|m| m == "tls=True auth=hakusho"));
}

#[test]
fn a_wrong_password_pauses_delivery_without_a_word_of_it_and_the_right_one_sends_everything_once() {
    let (city, sink) = tls_city("starttls", &["--starttls"]);
    let output = city.hakusho_with_env(
        &["run", "--once"],
        &[("HAKUSHO_TEST_SMTP_PASSWORD", "wrong-password")],
    );
    let stdout = stdout_of(&output);
    assert!(
        stdout.contains("配送: 送信 0 件、再試行待ち 0 件、配送不能 0 件"),
        "{stdout}"
    );
    assert!(metas(&sink).is_empty(), "nothing was accepted");
    let all = format!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(!all.contains("wrong-password"), "{all}");
    assert!(all.contains("メールの配送を一時停止しました"), "{all}");
    let status = stdout_of(&city.hakusho(&["status"]));
    assert!(status.contains("配送不能 0 件"), "{status}");
    assert!(status.contains("配送を一時停止中"), "{status}");
    assert!(status.contains("535"), "{status}");

    // The password is fixed: the next pass sends every copy, and the managers' notice.
    let stdout = stdout_of(
        &city.hakusho_with_env(&["send"], &[("HAKUSHO_TEST_SMTP_PASSWORD", "s3cret-パス")]),
    );
    assert!(
        stdout.starts_with("配送: 送信 24 件、再試行待ち 0 件、配送不能 0 件"),
        "22 copies and the notice to each manager: {stdout}"
    );
    let messages = received(&sink, 24);
    assert_eq!(messages.len(), 24);
    assert_no_duplicates(&messages);
    let status = stdout_of(&city.hakusho(&["status"]));
    assert!(!status.contains("一時停止"), "{status}");
}

#[test]
fn undeliverable_copies_are_queued_again_on_request_and_delivered_once() {
    let first = SmtpSink::start_with(&["--reject", "kikaku-bu@mitaka.example"]);
    let port = first.port;
    let city = TestCity::new(Some(port));
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    assert!(stdout.contains("配送不能 2 件"), "{stdout}");
    let before = received(&first, 22);
    drop(first);

    // The mailbox exists now.
    let second = SmtpSink::start_with(&["--port", &port.to_string()]);
    let stdout = stdout_of(&city.hakusho(&["send", "--retry-undeliverable"]));
    assert!(
        stdout.starts_with(
            "配送不能だったメール 2 件を送信待ちに戻しました\n配送: 送信 2 件、再試行待ち 0 件、配送不能 0 件"
        ),
        "{stdout}"
    );
    let after = received(&second, 2);
    assert!(after
        .iter()
        .all(|(to, _, _)| to == "kikaku-bu@mitaka.example"));
    let all: Vec<_> = before.into_iter().chain(after).collect();
    assert_no_duplicates(&all);
    let status = stdout_of(&city.hakusho(&["status"]));
    assert!(status.contains("配送不能 0 件"), "{status}");
    let stdout = stdout_of(&city.hakusho(&["send", "--retry-undeliverable"]));
    assert!(
        stdout.starts_with("配送不能だったメール 0 件を送信待ちに戻しました"),
        "{stdout}"
    );
}

/// Damages the store in one way; each must make `send` and `status` fail in Japanese.
fn damage(database: &std::path::Path, how: &str) {
    use std::io::{Seek, SeekFrom, Write};
    let length = std::fs::metadata(database).unwrap().len();
    match how {
        "header" => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(database)
                .unwrap();
            file.write_all(&[0xA5; 100]).unwrap();
        }
        "pages" => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(database)
                .unwrap();
            for page in (1..length / 4096).step_by(3) {
                file.seek(SeekFrom::Start(page * 4096 + 8)).unwrap();
                file.write_all(&[0x5A; 600]).unwrap();
            }
        }
        "truncated" => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(database)
                .unwrap();
            file.set_len(length / 3).unwrap();
        }
        "folder" => {
            std::fs::remove_file(database).unwrap();
            std::fs::create_dir(database).unwrap();
        }
        _ => unreachable!(),
    }
}

#[test]
fn a_damaged_or_unreadable_store_makes_send_and_status_fail_in_japanese() {
    if common::skip_on_postgres("damages the bytes of the SQLite file") {
        return;
    }
    for how in ["header", "pages", "truncated", "folder"] {
        let city = TestCity::new(None);
        stdout_of(&city.hakusho(&["run", "--once"]));
        let config = Config::load(&city.config_path()).unwrap();
        // Everything in the main file, so the damage is not hidden in the WAL.
        let store = Store::open(&config.paths.database).unwrap();
        drop(store);
        let checkpoint = rusqlite::Connection::open(&config.paths.database).unwrap();
        checkpoint
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
            .unwrap();
        drop(checkpoint);
        damage(&config.paths.database, how);
        for command in ["send", "status"] {
            let output = city.hakusho(&[command]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                !output.status.success(),
                "{command} on a store damaged ({how}) succeeded:\n{}",
                String::from_utf8_lossy(&output.stdout)
            );
            assert!(stderr.contains("データベース"), "{how} {command}: {stderr}");
        }
    }
}

/// On either database: a store that cannot be reached (no server, no file) or has
/// lost a table makes `send` and `status` fail, naming what is wrong, never report
/// 「送信 0 件」.
#[test]
fn a_store_unreachable_or_missing_a_table_makes_send_and_status_fail_in_japanese() {
    for how in ["unreachable", "table dropped"] {
        let city = TestCity::new(None);
        stdout_of(&city.hakusho(&["run", "--once"]));
        match how {
            "unreachable" => city.make_store_unreachable(),
            _ => city.raw_store().batch("DROP TABLE deliveries"),
        }
        for command in ["send", "status"] {
            let output = city.hakusho(&[command]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                !output.status.success(),
                "{command} on a store {how} succeeded:\n{}",
                String::from_utf8_lossy(&output.stdout)
            );
            // Unreachable: named as the database; a lost table: named by its name.
            let named = if how == "unreachable" {
                "データベース"
            } else {
                "deliveries"
            };
            assert!(stderr.contains(named), "{how} {command}: {stderr}");
        }
    }
}

#[test]
fn a_missing_password_variable_is_named_at_start_up() {
    let (city, _sink) = tls_city("starttls", &["--starttls"]);
    let output = city.hakusho(&["run", "--once"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("HAKUSHO_TEST_SMTP_PASSWORD"), "{stderr}");
}
