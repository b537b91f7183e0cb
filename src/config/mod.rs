//! The configuration file: one TOML file, strict about what it accepts.
//!
//! Unknown keys and bad values stop start-up with a message that names the key
//! (serde's `deny_unknown_fields` plus value types that parse themselves).
//! Relative paths are resolved against the folder of the configuration file, so
//! the sample configuration works from any working directory.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use lettre::message::Mailbox;
use serde::Deserialize;

use crate::domain::{ConfigFiscalYear, FiscalYear, PublicationMonth};

mod deployment;
mod problems;
mod store;
mod toml_error;
mod values;
mod web;

pub use deployment::{DeployedCity, Deployment};
pub use problems::{all_or_nothing, NotReady, Problem};
pub use store::StoreSettings;
pub use toml_error::looks_secret;
pub use web::{WebSettings, MAX_SESSION_HOURS};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[city]`: the city's name, code and the fiscal year collected.
    pub city: City,
    /// `[paths]`: where the inbox, archive, reports, store and outbox are.
    pub paths: Paths,
    /// `[store]`: the database, when it is PostgreSQL rather than `paths.database`.
    #[serde(default)]
    pub store: StoreSettings,
    /// `[submission]`: what a submission must contain and when it is due.
    #[serde(default)]
    pub submission: SubmissionRules,
    /// `[report]`: the fonts the PDFs embed.
    #[serde(default)]
    pub report: ReportSettings,
    /// `[mail]`: the sender and how mail leaves.
    pub mail: MailSettings,
    /// `[managers]`: who receives the summary and the escalations.
    pub managers: Managers,
    /// `[schedule]`: when the daemon runs its jobs.
    pub schedule: Schedule,
    /// `[[departments]]`: every department (部), in the order reports list them.
    pub departments: Vec<Department>,
    /// `[web]`: the department portal; none, no portal for this city.
    #[serde(default)]
    pub web: Option<WebSettings>,
}

/// The city (the tenant): every stored row carries its code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    /// `三鷹市`.
    pub name: String,
    /// 全国地方公共団体コード, e.g. `132047`.
    pub code: String,
    /// The fiscal year being collected: `令和2年度`.
    pub fiscal_year: ConfigFiscalYear,
}

/// What a submission must contain: the city's own rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionRules {
    /// The parts a submission is rejected without.
    pub required: Vec<RequiredPart>,
    /// A change from the previous observation larger than this share (0.5 = 50%)
    /// draws a warning asking for a note.
    pub implausible_change: f64,
    /// The day submissions are due (`2021-04-30`): reminders go out before it, the
    /// managers hear of what is missing after it.
    #[serde(default)]
    pub deadline: Option<ConfigDate>,
}

/// A calendar date written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ConfigDate(pub chrono::NaiveDate);

impl TryFrom<String> for ConfigDate {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(ConfigDate)
            .map_err(|_| format!("日付として読めません:「{text}」(例: 2021-04-30)"))
    }
}

impl Default for SubmissionRules {
    fn default() -> Self {
        SubmissionRules {
            required: vec![
                RequiredPart::AchievedValues,
                RequiredPart::PolicyProgress,
                RequiredPart::ActionItemProgress,
                RequiredPart::KpiValues,
                RequiredPart::PriorityProjects,
            ],
            implausible_change: 0.5,
            deadline: None,
        }
    }
}

impl SubmissionRules {
    /// Whether the city requires this part.
    pub fn requires(&self, part: RequiredPart) -> bool {
        self.required.contains(&part)
    }
}

/// A part of a submission that the city can make required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequiredPart {
    /// 組織構成.
    Sections,
    /// 職員数.
    StaffCount,
    /// 予算規模.
    Budget,
    /// 運営方針.
    OperatingPolicy,
    /// 新型コロナウイルス感染症への対応.
    CovidResponse,
    /// At least one 主要事業.
    PriorityProjects,
    /// Each owned indicator's figure for the year.
    AchievedValues,
    /// Each owned policy's 取り組み状況.
    PolicyProgress,
    /// Each led action-plan item's 取組状況.
    ActionItemProgress,
    /// Each owned KPI's figure for the year.
    KpiValues,
}

/// Where things live. Relative paths are taken from the configuration file's folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paths {
    /// The folder departments drop their workbooks into.
    pub inbox: PathBuf,
    /// Every received file, kept under its SHA-256.
    pub archive: PathBuf,
    /// Where the reports are written, a folder per fiscal year.
    pub reports: PathBuf,
    /// The SQLite store.
    pub database: PathBuf,
    /// Where the `file` transport writes `.eml` files.
    pub outbox: PathBuf,
    /// The `templates/` folder: the texts people read.
    pub templates: PathBuf,
    /// The folder of the fonts named in `[report] fonts`.
    pub fonts: PathBuf,
    /// The plan's reference data (`basic_plan.toml`, `strategy.toml`, `action_plan.toml`).
    pub plan: PathBuf,
    /// How often the daemon looks at the inbox when no file event comes (some mounted
    /// folders send none).
    #[serde(default = "default_inbox_poll_seconds")]
    pub inbox_poll_seconds: u64,
}

fn default_inbox_poll_seconds() -> u64 {
    5
}

/// Report settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// The TrueType fonts in `paths.fonts` that the PDFs embed (as subsets), the
    /// preferred one first; later ones draw only what earlier ones lack.
    pub fonts: Vec<String>,
    /// Font files looked for among the system's fonts (`/usr/share/fonts`, …, then
    /// fontconfig) and used after `fonts` when installed: IPAmj明朝 for the 戸籍
    /// characters of names. `[]` uses the configured fonts only.
    #[serde(default = "default_system_fonts")]
    pub system_fonts: Vec<String>,
    /// The month the edition is published, printed on the white paper's cover
    /// (`"2021-07"`, `"令和3年7月"`). Unset, the cover prints the year after the fiscal
    /// year alone (the year the white paper's edition is numbered by), never the
    /// build clock's month.
    #[serde(default)]
    pub published: Option<PublicationMonth>,
}

fn default_system_fonts() -> Vec<String> {
    vec!["ipamjm.ttf".to_string()]
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            fonts: vec![
                "ipaexg.ttf".to_string(),
                "DroidSansFallbackFull.ttf".to_string(),
            ],
            system_fonts: default_system_fonts(),
            published: None,
        }
    }
}

/// How mail leaves hakusho.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// The sender: `三鷹市企画経営課 <kikaku@mitaka.example>`.
    pub from: ConfigMailbox,
    /// How mail leaves: `file` or `smtp`.
    pub transport: Transport,
    /// The server, required when `transport = "smtp"`.
    pub smtp: Option<SmtpSettings>,
    /// A message larger than this (attachments included) is sent without its
    /// attachments, saying where the files are: many municipal networks cap mail at 10 MB.
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: u64,
    /// Transient failures are retried this many times, with exponential backoff.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// The first retry waits this long; each next one twice as long (at most an hour).
    #[serde(default = "default_retry_seconds")]
    pub retry_seconds: u64,
    /// How many copies are handed to the server at once.
    #[serde(default = "default_parallel")]
    pub parallel: usize,
    /// How long a sender's claim on a copy holds before another sender may take it
    /// (its sender is then taken to be dead). Default: three times the SMTP timeout
    /// plus a minute. Must exceed the SMTP timeout, or a live send could be taken.
    pub lease_seconds: Option<u64>,
}

fn default_parallel() -> usize {
    8
}

fn default_max_message_bytes() -> u64 {
    10 * 1024 * 1024
}

fn default_max_attempts() -> u32 {
    10
}

fn default_retry_seconds() -> u64 {
    60
}

/// `file` writes `.eml` files into `paths.outbox`; `smtp` sends through `[mail.smtp]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Writes each message as an `.eml` file into `paths.outbox`.
    File,
    /// Sends through the server in `[mail.smtp]`.
    Smtp,
}

/// An SMTP server. The password never sits in the file: it is read from the
/// environment variable named by `password_env`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// The server's host name (`smtp.mitaka.example`).
    pub host: String,
    /// The server's port (587 for STARTTLS, 465 for TLS).
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// The login name, when the server asks for one.
    pub user: Option<String>,
    /// The environment variable holding the password (default `HAKUSHO_SMTP_PASSWORD`).
    #[serde(default = "default_password_env")]
    pub password_env: String,
    /// The name given in EHLO; lettre would otherwise send the machine's host name.
    pub hello_name: Option<String>,
    /// How long one SMTP command may take before the send fails (default 30).
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    /// A CA certificate (PEM) to trust besides the public ones: a city's own mail
    /// server often has a certificate from an internal CA.
    pub ca_file: Option<PathBuf>,
    /// Pooled connections idle this long are closed (keep it below the server's limit).
    #[serde(default = "default_pool_idle_seconds")]
    pub pool_idle_seconds: u64,
}

fn default_pool_idle_seconds() -> u64 {
    30
}

fn default_password_env() -> String {
    "HAKUSHO_SMTP_PASSWORD".to_string()
}

fn default_timeout_seconds() -> u64 {
    30
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or in tests.
    None,
}

/// Who receives the summary.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Managers {
    /// The planning division's addresses (`企画経営課 <kikaku@…>`).
    pub recipients: Vec<ConfigMailbox>,
}

/// When the daemon runs its jobs: 6-field cron (seconds first), Asia/Tokyo.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// The annual run: ingest, build every report, mail them.
    pub annual_run: CronSchedule,
    /// A run missed while the daemon was down is caught up at start-up if it is at
    /// most this old.
    #[serde(default = "default_catch_up_hours")]
    pub catch_up_hours: u32,
    /// How long a stopping daemon waits for the running job before leaving it to be
    /// resumed at the next start.
    #[serde(default = "default_shutdown_grace_seconds")]
    pub shutdown_grace_seconds: u64,
    /// How long a daemon holds a run it claimed without renewing it. It renews it
    /// every third of that while the run goes on; a run whose daemon died is taken
    /// over by any daemon on the store once this has passed.
    #[serde(default = "default_run_lease_seconds")]
    pub run_lease_seconds: u64,
    /// Reminders to departments that have not submitted (or were sent back), in the
    /// `reminder_days` before the deadline.
    pub reminders: Option<CronSchedule>,
    /// How many days before the deadline reminders start (default 7).
    #[serde(default = "default_reminder_days")]
    pub reminder_days: u32,
    /// After the deadline, the managers are told who is missing, for `escalation_days`.
    pub escalation: Option<CronSchedule>,
    /// How many days after the deadline the managers keep hearing of it (default 14).
    #[serde(default = "default_escalation_days")]
    pub escalation_days: u32,
    /// A digest of the collection to the managers, from `reminder_days` before the
    /// deadline until `escalation_days` after it.
    pub digest: Option<CronSchedule>,
}

fn default_reminder_days() -> u32 {
    7
}

fn default_escalation_days() -> u32 {
    14
}

fn default_run_lease_seconds() -> u64 {
    60
}

fn default_catch_up_hours() -> u32 {
    72
}

fn default_shutdown_grace_seconds() -> u64 {
    600
}

/// A department (部) and whom to mail.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// The department's name as workbooks and reports write it (企画部).
    pub name: String,
    /// Its sections (企画経営課, …), printed as 組織構成 when none is submitted.
    pub sections: Vec<String>,
    /// Who receives its receipts, reminders and reports.
    pub recipients: Vec<ConfigMailbox>,
}

/// A mail address, checked when the configuration is read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ConfigMailbox(pub Mailbox);

impl TryFrom<String> for ConfigMailbox {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Mailbox::from_str(&text)
            .map(ConfigMailbox)
            .map_err(|e| format!("メールアドレスとして読めません:「{text}」({e})"))
    }
}

/// The addresses of a configured list of recipients, ready to put in a message.
pub fn mailboxes(list: &[ConfigMailbox]) -> Vec<Mailbox> {
    list.iter().map(|m| m.0.clone()).collect()
}

/// A cron expression checked with the same parser settings as tokio-cron-scheduler.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct CronSchedule {
    /// The expression as written (`0 0 9 * * Mon-Fri`).
    pub expression: String,
    /// The parsed schedule.
    pub cron: croner::Cron,
}

impl TryFrom<String> for CronSchedule {
    type Error = String;
    fn try_from(expression: String) -> Result<Self, String> {
        let cron = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Required)
            .dom_and_dow(true)
            .build()
            .parse(&expression)
            .map_err(|e| {
                format!("cron式として読めません:「{expression}」({e}); 秒から始まる6項目で書きます(例: \"0 0 9 1 4 *\")")
            })?;
        Ok(CronSchedule { expression, cron })
    }
}

impl Config {
    /// Reads and checks a configuration file: its syntax and its values.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let config = Self::read(path)?;
        config
            .value_problems_at_once()
            .with_context(|| format!("設定ファイル {} に誤りがあります", path.display()))?;
        Ok(config)
    }

    /// Reads and parses a configuration file, its paths resolved, its values unchecked
    /// (`app::load_config` checks them for a command).
    pub fn read(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("設定ファイル {} を読めません", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base)
            .with_context(|| format!("設定ファイル {} に誤りがあります", path.display()))
    }

    /// Parses configuration text and checks its values; relative paths are resolved
    /// against `base`.
    pub fn from_toml(text: &str, base: &Path) -> anyhow::Result<Config> {
        let config = Self::parse(text, base)?;
        config.value_problems_at_once()?;
        Ok(config)
    }

    /// Parses configuration text. A syntax or type error is told by line and key,
    /// never with the line itself, which may hold a secret.
    fn parse(text: &str, base: &Path) -> anyhow::Result<Config> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| anyhow::anyhow!(toml_error::describe(&e, text)))?;
        config.paths.resolve_against(base);
        if let Some(ca) = config
            .mail
            .smtp
            .as_mut()
            .and_then(|s| s.ca_file.as_mut())
            .filter(|p| p.is_relative())
        {
            *ca = normalize(&base.join(&*ca));
        }
        Ok(config)
    }

    /// The fiscal year being collected.
    pub fn fiscal_year(&self) -> FiscalYear {
        self.city.fiscal_year.0
    }

    /// Where the store is: `[store] url` when set (PostgreSQL), else the SQLite file
    /// `paths.database`.
    pub fn store_location(&self) -> crate::store::StoreLocation {
        self.store.location(&self.paths.database)
    }

    /// The configured department of that name.
    pub fn department(&self, name: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.name == name)
    }

    /// Every value problem at once (see `values.rs`), the schedules judged from the
    /// system clock's now (`app::load_config` judges them from the application's clock).
    fn value_problems_at_once(&self) -> Result<(), NotReady> {
        let now = crate::domain::Clock::system().now();
        problems::all_or_nothing(self.value_problems(now))
    }
}

impl Paths {
    fn resolve_against(&mut self, base: &Path) {
        for path in [
            &mut self.inbox,
            &mut self.archive,
            &mut self.reports,
            &mut self.database,
            &mut self.outbox,
            &mut self.templates,
            &mut self.fonts,
            &mut self.plan,
        ] {
            if path.is_relative() {
                *path = normalize(&base.join(&*path));
            }
        }
    }
}

/// Removes `.` and `dir/..` from a path without touching the file system, so
/// messages show `var/reports` rather than `data/../var/reports`.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
