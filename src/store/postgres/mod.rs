//! The store on PostgreSQL: several cities and several replicas on one database.
//!
//! The queries mirror [`super::sqlite`] one for one, with the same units of work; what
//! differs is told where it is written. Claims are single statements that stay right
//! with many replicas: a delivery is taken with `FOR UPDATE SKIP LOCKED`, a run with
//! `INSERT … ON CONFLICT DO NOTHING`, a submission with `ON CONFLICT (city_code,
//! sha256) DO NOTHING`. States and times are text, exactly as SQLite stores them.
//!
//! The `postgres` crate is synchronous: each client runs a small runtime of its own and
//! panics when called from inside a tokio runtime (the daemon calls the store from its
//! tasks). Every call therefore goes through `off_runtime`, which moves it to a
//! thread of its own when a runtime is current.

mod collections;
mod content;
mod copy;
mod history;
mod ledger;
mod migrations;
mod outbox;
mod submissions;
mod testing;
mod web;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use postgres::{Client, NoTls, Row};

use super::states::StoredName;
use super::{latest_version, Backend, OpenMode, Store};

pub use testing::{dollar_parameters, fresh_test_database, text_parameters};

/// An open PostgreSQL store: one connection, held by one caller at a time.
pub struct PostgresStore {
    // A mutex, not a RefCell: the reads take `&self`, and the client must be lent to
    // the helper thread of `off_runtime`. `None` after the connection broke: the next
    // call connects again.
    client: Mutex<Option<Client>>,
    /// How to connect again when the connection was lost (the server restarted, or
    /// failed over to its standby): the next call opens a new one.
    settings: postgres::Config,
    /// Whether the session is read-only, set again on a new connection.
    read_only: AtomicBool,
}

/// Runs `work` where the `postgres` crate may block: on this thread when no tokio
/// runtime is current, else on a scoped thread of its own. The crate blocks on a
/// runtime of its own, and tokio refuses (panics) to start one inside another; a
/// fresh thread has no runtime context, and the scope lets it borrow the caller's
/// data. The caller waits for it, as it would for the call itself.
pub(crate) fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    std::thread::scope(|scope| {
        scope
            .spawn(work)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

impl PostgresStore {
    /// Runs `work` on the connection (see [`off_runtime`]).
    fn run<T: Send>(
        &self,
        work: impl FnOnce(&mut Client) -> anyhow::Result<T> + Send,
    ) -> anyhow::Result<T> {
        let mut guard = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = &mut *guard;
        let (settings, read_only) = (&self.settings, self.read_only.load(Ordering::Relaxed));
        off_runtime(move || {
            // A call that was under way when the connection broke failed with it (its
            // transaction rolled back); the caller's next call gets a new connection.
            let client = match slot {
                Some(client) if !client.is_closed() => client,
                _ => slot.insert(reconnect(settings, read_only)?),
            };
            let result = work(client);
            if result.is_err() && is_broken(client) {
                *slot = None;
            }
            result
        })
    }

    /// The latest migration applied (0 on an empty database).
    fn migrated_version(&self) -> anyhow::Result<i64> {
        self.run(migrations::applied_version)
    }
}

impl Drop for PostgresStore {
    /// The client owns a runtime, which may not be dropped inside another one either.
    fn drop(&mut self) {
        let client = self
            .client
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        off_runtime(move || drop(client));
    }
}

impl Backend for PostgresStore {
    fn schema_version(&self) -> anyhow::Result<i64> {
        self.migrated_version()
    }
}

/// Where a URL points, as messages name it: host, port and database, never the
/// password (nor the URL, which may carry one).
struct Target {
    host: String,
    port: u16,
    database: String,
}

impl Target {
    fn of(config: &postgres::Config) -> Target {
        let host = match config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(name)) => name.clone(),
            Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_string(),
        };
        let user = config.get_user().unwrap_or("");
        Target {
            host,
            port: config.get_ports().first().copied().unwrap_or(5432),
            database: config.get_dbname().unwrap_or(user).to_string(),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PostgreSQL(ホスト {}、ポート {}、データベース {})",
            self.host, self.port, self.database
        )
    }
}

/// The database `url` points at, as messages name it (host, port, database).
pub fn describe(url: &str) -> String {
    match url.parse::<postgres::Config>() {
        Ok(config) => Target::of(&config).to_string(),
        Err(_) => "PostgreSQL(store.url を読めません)".to_string(),
    }
}

/// What to check when a connection fails, told from the server's answer: the
/// driver's own words (English) follow as the cause.
fn connect_hint(error: &postgres::Error, target: &Target, password_env: &str) -> String {
    use postgres::error::SqlState;
    let password_set = std::env::var(password_env).is_ok_and(|p| !p.is_empty());
    let text = error.to_string();
    match error.code() {
        Some(code) if *code == SqlState::INVALID_CATALOG_NAME => format!(
            "データベース {} がありません。サーバーで作ってください(createdb -O 利用者 {})",
            target.database, target.database
        ),
        Some(code)
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            if password_set {
                format!("利用者名か、環境変数 {password_env} のパスワードが違います")
            } else {
                format!("サーバーはパスワードを求めていますが、環境変数 {password_env} が設定されていません")
            }
        }
        _ if text.contains("password missing") => {
            format!("サーバーはパスワードを求めていますが、環境変数 {password_env} が設定されていません")
        }
        _ if text.contains("TLS") => "この hakusho は PostgreSQL に TLS で接続しません。URL の sslmode を外すか disable にし、暗号化は専用のネットワークかトンネルで行ってください".to_string(),
        _ => "サーバーが動いているか、store.url のホストとポートを確かめてください".to_string(),
    }
}

/// The connection settings of `url`, with the password read from `password_env`
/// (unset or empty: none).
fn settings(url: &str, password_env: &str) -> anyhow::Result<postgres::Config> {
    // The parser's error may quote the URL, which may hold a password: not chained.
    let mut config: postgres::Config = url.parse().map_err(|_| {
        anyhow::anyhow!(
            "PostgreSQL の URL を読めません。postgres://利用者@ホスト:ポート/データベース の形で書いてください"
        )
    })?;
    // Refused for every command alike (the configuration's check covers only the
    // commands that check it, and `copy-store --to` is no configuration).
    if config.get_password().is_some() {
        anyhow::bail!(
            "PostgreSQL の URL にパスワードが書かれています。URL から除き、環境変数 {password_env} に入れてください"
        );
    }
    if let Ok(password) = std::env::var(password_env) {
        if !password.is_empty() {
            config.password(password);
        }
    }
    config.connect_timeout(Duration::from_secs(30));
    detect_a_vanished_server(&mut config);
    config.application_name("hakusho");
    Ok(config)
}

/// A server that vanished (a failover, a cut network) is noticed within about a minute
/// instead of TCP's default two hours: the call under way fails, and the next one
/// connects again. Settings the URL gives itself are kept.
fn detect_a_vanished_server(config: &mut postgres::Config) {
    if config.get_keepalives_idle() == Duration::from_secs(2 * 60 * 60) {
        config
            .keepalives_idle(Duration::from_secs(30))
            .keepalives_interval(Duration::from_secs(10))
            .keepalives_retries(3);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(Duration::from_secs(60));
    }
}

/// Connects to the PostgreSQL store at `url` (password from `password_env`): migrated
/// when `mode` writes, checked when it is `Checked`, read-only when it is `ReadOnly`.
pub fn connect(url: &str, password_env: &str, mode: OpenMode) -> anyhow::Result<Store> {
    let (store, target) = PostgresStore::connect(url, password_env)?;
    match mode {
        OpenMode::Writable => store.migrate(&target)?,
        OpenMode::Checked => store.migrate_and_check(&target)?,
        OpenMode::ReadOnly => return store.read_only(&target),
    }
    Ok(Store::over(Box::new(store)))
}

/// The schema version of the database at `url`, touching nothing (0: no store yet).
pub fn version_at(url: &str, password_env: &str) -> anyhow::Result<i64> {
    let (store, target) = PostgresStore::connect(url, password_env)?;
    store
        .migrated_version()
        .with_context(|| format!("{target} の版を読めません"))
}

impl PostgresStore {
    /// A connection to `url`, not yet migrated or checked, and where it points.
    fn connect(url: &str, password_env: &str) -> anyhow::Result<(PostgresStore, Target)> {
        let config = settings(url, password_env)?;
        let target = Target::of(&config);
        let client = match off_runtime(|| config.connect(NoTls)) {
            Ok(client) => client,
            Err(error) => {
                let hint = connect_hint(&error, &target, password_env);
                return Err(
                    anyhow::Error::new(error).context(format!("{target} に接続できません。{hint}"))
                );
            }
        };
        let store = PostgresStore {
            client: Mutex::new(Some(client)),
            settings: config,
            read_only: AtomicBool::new(false),
        };
        Ok((store, target))
    }

    /// Applies the migrations the database has not seen yet.
    fn migrate(&self, target: &Target) -> anyhow::Result<()> {
        self.run(migrations::apply)
            .with_context(|| format!("{target} の表を作れません(移行に失敗しました)"))
    }

    /// Migrates, then checks that the connection answers and the version is this
    /// hakusho's: a store that cannot be read is an error, never an empty answer.
    fn migrate_and_check(&self, target: &Target) -> anyhow::Result<()> {
        self.migrate(target)?;
        let version = self
            .migrated_version()
            .with_context(|| format!("{target} を読めません"))?;
        if version != latest_version() {
            anyhow::bail!(
                "{target} は版 {version} です(この hakusho は版 {})。この版の hakusho では使えません",
                latest_version()
            );
        }
        Ok(())
    }

    /// Makes the session read-only and refuses a database not at the latest version.
    /// An empty database (nothing was ever stored) reads as an empty store in memory,
    /// as a SQLite file that does not exist yet does.
    fn read_only(self, target: &Target) -> anyhow::Result<Store> {
        self.run(|client| Ok(client.batch_execute(READ_ONLY_SESSION)?))
            .with_context(|| format!("{target} を読み取り専用で開けません"))?;
        self.read_only.store(true, Ordering::Relaxed);
        let version = self.migrated_version().with_context(|| {
            format!("{target} を読めません(hakusho のデータベースでないか、権限がありません)")
        })?;
        if version == 0 {
            return Store::in_memory();
        }
        crate::store::refuse_newer(version).with_context(|| target.to_string())?;
        if version != latest_version() {
            anyhow::bail!(
                "{target} は版 {version} です(この hakusho は版 {})。`hakusho migrate` で更新してから実行してください",
                latest_version()
            );
        }
        Ok(Store::over(Box::new(self)))
    }
}

/// Makes every transaction of the session read-only: a write fails in the server.
const READ_ONLY_SESSION: &str = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";

/// A new connection in place of a lost one, read-only again when the store is.
fn reconnect(settings: &postgres::Config, read_only: bool) -> anyhow::Result<Client> {
    let target = Target::of(settings);
    let mut client = settings
        .connect(NoTls)
        .with_context(|| format!("{target} への接続が切れ、つなぎ直せません"))?;
    if read_only {
        client.batch_execute(READ_ONLY_SESSION)?;
    }
    Ok(client)
}

/// Whether a connection that just failed a call is unusable: closed, or not answering
/// an empty query (a reset the client has not registered as closed yet).
fn is_broken(client: &mut Client) -> bool {
    client.is_closed() || client.is_valid(Duration::from_secs(10)).is_err()
}

/// A stored state read from its name; an unknown name is the state's own error.
fn state<S: StoredName>(row: &Row, index: usize) -> anyhow::Result<S> {
    Ok(S::from_name(&row.try_get::<_, String>(index)?)?)
}

/// An optional stored state.
fn optional_state<S: StoredName>(row: &Row, index: usize) -> anyhow::Result<Option<S>> {
    let name: Option<String> = row.try_get(index)?;
    Ok(name.map(|name| S::from_name(&name)).transpose()?)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod open_tests;

#[cfg(test)]
mod parity_tests;

#[cfg(test)]
mod copy_tests;
