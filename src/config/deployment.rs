//! The deployment: the cities one process serves. `--config` names either one city's
//! configuration (as before: a deployment of one city) or a deployment file:
//!
//! ```toml
//! [store]                            # shared by every city
//! url = "postgres://hakusho@127.0.0.1:5432/hakusho"
//! password_env = "HAKUSHO_DB_PASSWORD"
//! [[cities]]
//! config = "mitaka/hakusho.toml"     # relative to this file
//! [[cities]]
//! config = "musashino/hakusho.toml"
//! ```
//!
//! Each city's file is a whole city configuration. A city file's own `[store]` must be
//! absent or the same as the deployment's; without a deployment `[store]`, each city
//! keeps its own (its SQLite file, which several cities may share: every row carries
//! its city's code). Checked when read: a missing file, two cities with one code, one
//! name, one inbox or one reports folder, a city `[store]` that differs.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;

use super::{toml_error, Config, StoreSettings};

/// The cities of one `--config` file, in the file's order.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// The file `--config` named.
    pub path: PathBuf,
    /// Whether that file is a deployment file (else one city's configuration).
    pub is_deployment: bool,
    /// Each city, in the file's order.
    pub cities: Vec<DeployedCity>,
}

/// One city of a deployment: its configuration and the file it came from.
#[derive(Debug, Clone)]
pub struct DeployedCity {
    /// The city's configuration file.
    pub file: PathBuf,
    /// Its configuration, its store set to the deployment's (values not checked yet).
    pub config: Config,
}

/// The deployment file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentFile {
    #[serde(default)]
    store: Option<StoreSettings>,
    cities: Vec<CityEntry>,
}

/// `[[cities]]`: one city's configuration file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CityEntry {
    config: PathBuf,
}

impl Deployment {
    /// Reads `--config`: a deployment file, or one city's configuration (a deployment
    /// of one). Every city file is read and parsed; values are checked by the caller.
    pub fn read(path: &Path) -> anyhow::Result<Deployment> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("設定ファイル {} を読めません", path.display()))?;
        if !is_deployment_text(&text) {
            let config = Config::read(path)?;
            return Ok(Deployment {
                path: path.to_path_buf(),
                is_deployment: false,
                cities: vec![DeployedCity {
                    file: path.to_path_buf(),
                    config,
                }],
            });
        }
        Self::from_deployment_text(path, &text)
    }

    fn from_deployment_text(path: &Path, text: &str) -> anyhow::Result<Deployment> {
        let file: DeploymentFile = toml::from_str(text)
            .map_err(|e| anyhow!(toml_error::describe(&e, text)))
            .with_context(|| format!("配置ファイル {} に誤りがあります", path.display()))?;
        if file.cities.is_empty() {
            bail!(
                "配置ファイル {} の cities に都市がありません。[[cities]] config = \"…/hakusho.toml\" を1つ以上書きます",
                path.display()
            );
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let cities = file
            .cities
            .iter()
            .enumerate()
            .map(|(i, entry)| read_city(path, base, i, entry, file.store.as_ref()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        check_distinct(path, &cities)?;
        Ok(Deployment {
            path: path.to_path_buf(),
            is_deployment: true,
            cities,
        })
    }

    /// The cities `--city` names (every city without it): `run --once`, `serve`,
    /// `health`, `migrate`.
    pub fn select(&self, wanted: Option<&str>) -> anyhow::Result<Vec<&DeployedCity>> {
        match wanted {
            None => Ok(self.cities.iter().collect()),
            Some(wanted) => Ok(vec![self.find(wanted)?]),
        }
    }

    /// The one city a command acts on: `--city` is needed when there are several.
    pub fn one(&self, wanted: Option<&str>) -> anyhow::Result<&DeployedCity> {
        match (wanted, self.cities.as_slice()) {
            (Some(wanted), _) => self.find(wanted),
            (None, [only]) => Ok(only),
            (None, _) => bail!(
                "配置ファイル {} には都市が {} あります。このコマンドは1つの都市に働くので、--city (または環境変数 HAKUSHO_CITY) で市区町村コードか名前を指定してください: {}",
                self.path.display(),
                self.cities.len(),
                self.listing()
            ),
        }
    }

    /// The city whose code or name is `wanted`.
    fn find(&self, wanted: &str) -> anyhow::Result<&DeployedCity> {
        let wanted = wanted.trim();
        self.cities
            .iter()
            .find(|c| c.config.city.code == wanted || c.config.city.name == wanted)
            .ok_or_else(|| {
                anyhow!(
                    "--city「{}」に当たる都市が {} にありません。指定できる都市: {}",
                    crate::domain::printable(wanted),
                    self.path.display(),
                    self.listing()
                )
            })
    }

    /// `132047 三鷹市、132039 武蔵野市`.
    pub fn listing(&self) -> String {
        self.cities
            .iter()
            .map(|c| format!("{} {}", c.config.city.code, c.config.city.name))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// A deployment file has `[[cities]]` and no `[city]`. Text that is not TOML is left to
/// the city configuration's reader, which says where it is wrong.
fn is_deployment_text(text: &str) -> bool {
    toml::from_str::<toml::Table>(text)
        .map(|table| table.contains_key("cities") && !table.contains_key("city"))
        .unwrap_or(false)
}

/// Reads the city file of `cities[index]`, its store made the deployment's.
fn read_city(
    deployment: &Path,
    base: &Path,
    index: usize,
    entry: &CityEntry,
    store: Option<&StoreSettings>,
) -> anyhow::Result<DeployedCity> {
    let file = super::normalize(&base.join(&entry.config));
    let mut config = Config::read(&file).with_context(|| {
        format!(
            "配置ファイル {} の cities[{index}].config ({}) の都市を読めません",
            deployment.display(),
            file.display()
        )
    })?;
    if let Some(shared) = store {
        config.store = shared_store(deployment, &file, &config.store, shared)?;
    }
    Ok(DeployedCity { file, config })
}

/// The deployment's store, when the city's own `[store]` is absent or the same.
fn shared_store(
    deployment: &Path,
    file: &Path,
    own: &StoreSettings,
    shared: &StoreSettings,
) -> anyhow::Result<StoreSettings> {
    let absent = own.url.is_none() && own.password_env == StoreSettings::default().password_env;
    let same = own.url == shared.url && own.password_env == shared.password_env;
    if absent || same {
        return Ok(shared.clone());
    }
    let key = if own.url != shared.url {
        "store.url"
    } else {
        "store.password_env"
    };
    bail!(
        "都市の設定ファイル {} の {key} が配置ファイル {} の [store] と違います。都市の設定から [store] を外すか、配置ファイルと同じにしてください(全都市が1つのデータベースを共有します)",
        file.display(),
        deployment.display()
    )
}

/// No two cities share a code (every stored row is keyed by it), a name (`--city`), an
/// inbox or a reports folder.
fn check_distinct(deployment: &Path, cities: &[DeployedCity]) -> anyhow::Result<()> {
    for (i, later) in cities.iter().enumerate() {
        for earlier in &cities[..i] {
            let (a, b) = (&earlier.config.city, &later.config.city);
            let (pa, pb) = (&earlier.config.paths, &later.config.paths);
            let (inbox, reports) = (
                pb.inbox.display().to_string(),
                pb.reports.display().to_string(),
            );
            let key = if a.code == b.code {
                ("city.code", &b.code)
            } else if a.name == b.name || a.name == b.code || a.code == b.name {
                // `--city` takes a code or a name: one must never mean two cities.
                ("city.name", &b.name)
            } else if same_folder(&pa.inbox, &pb.inbox) {
                // One inbox for two cities would take a file into both.
                ("paths.inbox", &inbox)
            } else if same_folder(&pa.reports, &pb.reports) {
                // The reports are named by year: two cities would overwrite each other's.
                ("paths.reports", &reports)
            } else {
                continue;
            };
            bail!(
                "配置ファイル {}: {} の {}「{}」が {} と同じです。都市ごとに別の値にしてください",
                deployment.display(),
                later.file.display(),
                key.0,
                key.1,
                earlier.file.display()
            );
        }
    }
    Ok(())
}

/// Whether two configured folders are one: compared as the file system resolves them
/// (a trailing `/`, `/./`, `..` or a symbolic link make no second folder), or as written
/// when a folder does not exist yet.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
