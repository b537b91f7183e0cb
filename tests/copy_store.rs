//! Moving a city between databases: `hakusho copy-store` from the sample's store into
//! an empty PostgreSQL database and back into a SQLite file, then the same commands
//! against each give the same output and the same report bytes; a further intake on
//! the copy gets a fresh id. `hakusho migrate` on both backends. Needs a PostgreSQL
//! cluster (`HAKUSHO_TEST_POSTGRES`); skipped, saying so, without one.

mod common;

use std::path::Path;

use common::{stdout_of, TestCity};

/// The base URL of the throw-away cluster, or `None` (the reason printed).
fn cluster() -> Option<String> {
    let base = std::env::var("HAKUSHO_TEST_POSTGRES").ok();
    if base.is_none() {
        eprintln!("skipped: HAKUSHO_TEST_POSTGRES is unset (no PostgreSQL to test on)");
    }
    base
}

/// The city's configuration with its store at `store` (a PostgreSQL URL) or, with
/// `None`, at the SQLite file `database`; written as a second configuration file.
fn config_with_store(city: &TestCity, name: &str, store: Option<&str>, database: &str) -> String {
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    // Whatever [store] the city was given is dropped: this file says where the store is.
    let mut kept = Vec::new();
    let mut in_store = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_store = line.trim() == "[store]";
        }
        if in_store {
            continue;
        }
        if line.starts_with("database = ") {
            kept.push(format!("database = \"{database}\""));
        } else {
            kept.push(line.to_string());
        }
    }
    if let Some(url) = store {
        kept.push(format!("\n[store]\nurl = \"{url}\""));
    }
    let path = city.path().join(name);
    std::fs::write(&path, kept.join("\n")).unwrap();
    path.to_string_lossy().into_owned()
}

/// `args` with `--config config`, asserting success; its standard output.
fn with_config(city: &TestCity, config: &str, args: &[&str]) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--config", config]);
    stdout_of(&hakusho(city, &all))
}

fn hakusho(city: &TestCity, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hakusho"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", common::BUILD_EPOCH)
        .current_dir(city.path())
        .output()
        .unwrap()
}

/// Every file under `dir`, by relative path, with its bytes.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// `status` and `build` through `config`: the text and every report's bytes.
fn status_and_build(city: &TestCity, config: &str, out: &str) -> (String, Vec<(String, Vec<u8>)>) {
    let status = with_config(city, config, &["status"]);
    with_config(city, config, &["build", "--out", out]);
    (status, files_under(&city.path().join(out)))
}

/// A run on the copy sends no report again: the mails are keyed by what they carry,
/// whatever order the other database returns the rows in (after `ANALYZE` its planner
/// may choose another order than SQLite's index).
fn the_copy_mails_nothing_again(city: &TestCity, pg_config: &str, url: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.batch_execute("ANALYZE").unwrap();
    drop(client);
    let ran = with_config(city, pg_config, &["run", "--once"]);
    assert!(
        ran.contains("前回と同じ内容のため、報告書のメールは送りません（11 件）"),
        "{ran}"
    );
}

/// A second copy into a store that holds rows is refused, naming the table.
fn a_second_copy_is_refused(city: &TestCity, url: &str, sqlite_config: &str) {
    let again = hakusho(
        city,
        &["copy-store", "--to", url, "--config", sqlite_config],
    );
    let message = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{message}");
    assert!(
        message.contains("submissions") && message.contains("すでに"),
        "{message}"
    );
}

#[test]
fn a_city_copied_to_postgresql_and_back_reads_the_same_and_takes_in_more() {
    let Some(base) = cluster() else { return };
    let city = TestCity::new(None);
    let sqlite = config_with_store(&city, "sqlite.toml", None, "hakusho.sqlite3");
    let ran = hakusho(&city, &["run", "--once", "--config", &sqlite]);
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let url = hakusho::store::postgres::fresh_test_database(&base).unwrap();
    let copied = with_config(&city, &sqlite, &["copy-store", "--to", &url]);
    assert!(
        copied.contains("submissions") && copied.contains("deliveries"),
        "{copied}"
    );
    assert!(!copied.contains(" 0 行\n  deliveries"), "{copied}");
    let pg = config_with_store(&city, "pg.toml", Some(&url), "unused.sqlite3");
    let expected = status_and_build(&city, &sqlite, "out-sqlite");
    assert_eq!(status_and_build(&city, &pg, "out-pg"), expected);
    assert!(!expected.1.is_empty());
    the_copy_mails_nothing_again(&city, &pg, &url);
    // And back: PostgreSQL to a fresh SQLite file, read the same again.
    let back = config_with_store(&city, "back.toml", None, "back.sqlite3");
    with_config(&city, &pg, &["copy-store", "--to", "back.sqlite3"]);
    assert_eq!(status_and_build(&city, &back, "out-back"), expected);
    a_second_copy_is_refused(&city, &url, &sqlite);
    // A new file on the copy gets an id after every copied one (sequences moved).
    std::fs::write(city.path().join("新しい.xlsx"), b"not a workbook").unwrap();
    let taken = hakusho(&city, &["ingest", "新しい.xlsx", "--config", &pg]);
    assert_eq!(
        taken.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let newest: i64 = client
        .query_one(
            "SELECT id FROM submissions WHERE file_name = '新しい.xlsx'",
            &[],
        )
        .unwrap()
        .get(0);
    let copied_max: i64 = client
        .query_one(
            "SELECT MAX(id) FROM submissions WHERE file_name <> '新しい.xlsx'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(newest, copied_max + 1);
}

#[test]
fn migrate_prints_the_version_before_and_after_on_both_backends() {
    let city = TestCity::new(None);
    let mut configs = vec![config_with_store(
        &city,
        "sqlite.toml",
        None,
        "fresh.sqlite3",
    )];
    if let Some(base) = cluster() {
        let url = hakusho::store::postgres::fresh_test_database(&base).unwrap();
        configs.push(config_with_store(
            &city,
            "pg.toml",
            Some(&url),
            "unused.sqlite3",
        ));
    }
    let latest = hakusho::store::latest_version();
    for config in &configs {
        let first = with_config(&city, config, &["migrate"]);
        assert!(
            first.contains("移行前の版: 0") && first.contains(&format!("移行後の版: {latest}")),
            "{first}"
        );
        let second = with_config(&city, config, &["migrate"]);
        assert!(
            second.contains(&format!("移行前の版: {latest}")) && second.contains("すでに最新"),
            "{second}"
        );
    }
}

/// `health` on a database that holds no store yet (created, never migrated) says so and
/// exits 2: it must not read an empty store in memory as a migrated one.
#[test]
fn health_calls_an_unmigrated_postgresql_database_unmigrated() {
    let Some(base) = cluster() else { return };
    let city = TestCity::new(None);
    let url = hakusho::store::postgres::fresh_test_database(&base).unwrap();
    let config = config_with_store(&city, "empty.toml", Some(&url), "unused.sqlite3");
    for args in [vec!["health"], vec!["health", "--json"]] {
        let mut all = args.clone();
        all.extend(["--config", &config]);
        let output = hakusho(&city, &all);
        let text = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(
            !text.contains("healthy") && !text.contains("正常"),
            "{text}"
        );
    }
}

/// A password written into a PostgreSQL URL is refused by every command that connects
/// (the configuration's own check runs only for some), and never printed.
#[test]
fn a_password_in_the_url_is_refused_and_never_shown() {
    let Some(base) = cluster() else { return };
    let city = TestCity::new(None);
    let url = hakusho::store::postgres::fresh_test_database(&base).unwrap();
    let with_password = url.replacen("://hakusho_test@", "://hakusho_test:Sekr3tPW@", 1);
    assert_ne!(with_password, url, "the base URL's user changed: {url}");
    let config = config_with_store(&city, "pw.toml", Some(&with_password), "unused.sqlite3");
    let sqlite = config_with_store(&city, "sqlite.toml", None, "hakusho.sqlite3");
    let runs: [Vec<&str>; 5] = [
        vec!["health", "--config", &config],
        vec!["health", "--json", "--config", &config],
        vec!["migrate", "--config", &config],
        vec!["status", "--config", &config],
        vec!["copy-store", "--to", &with_password, "--config", &sqlite],
    ];
    for args in runs {
        let output = hakusho(&city, &args);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_ne!(output.status.code(), Some(0), "{args:?}: {all}");
        assert!(!all.contains("Sekr3tPW"), "{args:?}: {all}");
    }
}

/// `copy-store --to` with a scheme other than PostgreSQL's is refused, never taken
/// for a SQLite file name.
#[test]
fn copy_store_refuses_another_scheme() {
    let city = TestCity::new(None);
    let sqlite = config_with_store(&city, "sqlite.toml", None, "hakusho.sqlite3");
    for to in [
        "mysql://x@y/z",
        "sqlite://store.db",
        "http://example.invalid/x",
    ] {
        let output = hakusho(&city, &["copy-store", "--to", to, "--config", &sqlite]);
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{to}: {message}");
        assert!(message.contains("使えません"), "{to}: {message}");
        let scheme = to.split("://").next().unwrap();
        assert!(!city.path().join(format!("{scheme}:")).exists(), "{to}");
    }
}

/// A connection that fails says what to check, in Japanese, from the server's answer:
/// a database that does not exist is to be created, not a password to be checked.
#[test]
fn a_missing_database_is_named_with_how_to_create_it() {
    let Some(base) = cluster() else { return };
    let city = TestCity::new(None);
    let missing = format!(
        "{}/hakusho_no_such_database",
        base.rsplit_once('/').unwrap().0
    );
    let config = config_with_store(&city, "missing.toml", Some(&missing), "unused.sqlite3");
    let output = hakusho(&city, &["migrate", "--config", &config]);
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains("hakusho_no_such_database がありません") && message.contains("createdb"),
        "{message}"
    );
}
