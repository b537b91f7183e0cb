//! `[store]`: which database holds the store. Without it, the SQLite file
//! `paths.database` (one city on one machine); with `url = "postgres://…"`, a
//! PostgreSQL database that several cities and several replicas share. The password is
//! never written in the file: it is read from the environment variable `password_env`
//! names, as for SMTP.

use std::path::Path;

use serde::Deserialize;

use crate::store::StoreLocation;

/// The `[store]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    /// `postgres://user@host:port/database` (no password); unset: SQLite.
    #[serde(default)]
    pub url: Option<String>,
    /// The environment variable the PostgreSQL password is read from.
    #[serde(default = "default_password_env")]
    pub password_env: String,
}

fn default_password_env() -> String {
    "HAKUSHO_DB_PASSWORD".to_string()
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            url: None,
            password_env: default_password_env(),
        }
    }
}

impl StoreSettings {
    /// Where the store is, `database` being the SQLite file when no URL is set.
    pub fn location(&self, database: &Path) -> StoreLocation {
        match &self.url {
            Some(url) => StoreLocation::Postgres {
                url: url.clone(),
                password_env: self.password_env.clone(),
            },
            None => StoreLocation::Sqlite(database.to_path_buf()),
        }
    }
}
