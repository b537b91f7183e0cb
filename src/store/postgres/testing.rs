//! Fresh databases for the tests: each test makes its own on the throw-away cluster
//! named by `HAKUSHO_TEST_POSTGRES`, so tests never see each other's rows.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

/// Creates an empty database `hakusho_<unique>` on the cluster at `base_url` (a
/// libpq-style URL with trust authentication) and returns its URL, with the same user,
/// host and port. Unique across threads and processes (process id, a counter, a random number).
pub fn fresh_test_database(base_url: &str) -> anyhow::Result<String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    // A random part too, so that a database left by an earlier process with the same
    // id (process ids are reused) is never met: std's hasher keys are random per process.
    let random = {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(NEXT.load(Ordering::Relaxed));
        hasher.finish() % 1_000_000_000
    };
    let name = format!(
        "hakusho_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        random
    );
    super::off_runtime(|| -> anyhow::Result<()> {
        let mut client =
            postgres::Client::connect(base_url, postgres::NoTls).with_context(|| {
                "テスト用の PostgreSQL に接続できません(HAKUSHO_TEST_POSTGRES を確かめてください)"
            })?;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .with_context(|| format!("テスト用のデータベース {name} を作れません"))?;
        Ok(())
    })?;
    Ok(with_database(base_url, &name))
}

/// `base_url` with its database (the path after the host) replaced by `name`; any
/// query string is kept.
pub fn with_database(base_url: &str, name: &str) -> String {
    let (head, query) = match base_url.split_once('?') {
        Some((head, query)) => (head, format!("?{query}")),
        None => (base_url, String::new()),
    };
    let after_scheme = head.find("://").map_or(0, |i| i + 3);
    let host_end = head[after_scheme..]
        .find('/')
        .map_or(head.len(), |i| after_scheme + i);
    format!("{}/{name}{query}", &head[..host_end])
}

/// SQLite's numbered parameters (`?1`) as PostgreSQL's (`$1`): the tests write one
/// statement and run it on either backend.
pub fn dollar_parameters(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let numbered = c == '?' && chars.peek().is_some_and(char::is_ascii_digit);
        out.push(if numbered { '$' } else { c });
    }
    out
}

/// Text parameters as the `postgres` crate takes them.
pub fn text_parameters<'a>(params: &'a [&'a str]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}
