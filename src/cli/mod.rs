//! The `hakusho` command line.

//!
//! This file holds the command line's definitions and the dispatcher; each command
//! has its file, which reads what it needs from the application context ([`App`])
//! built once here.

mod build;
mod check;
mod cities;
mod collection;
mod explain;
mod export;
mod health;
mod ingest;
mod migrate;
mod preview_send;
mod print;
mod refused;
mod run;
mod send;
mod sessions;
mod status;
mod template;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use refused::{exit_status, Refused, EXIT_ACCEPTED, EXIT_FAILED, EXIT_REFUSED};

use crate::app::{check_city, App, Needs, OpenMode};
use crate::config::Deployment;
use crate::domain::{Clock, FiscalYear};

/// The exit statuses, as `--help` prints them (the README says the same).
const EXIT_STATUS_HELP: &str = "Exit status: 0 every file accepted (warnings allowed), \
1 at least one file refused (sent back: check, ingest, run --once), \
2 the command itself failed (configuration, store, disk, arguments).";

/// hakusho: collects the departments' planning workbooks and publishes the white paper.
#[derive(Debug, Parser)]
#[command(name = "hakusho", version, about, after_help = EXIT_STATUS_HELP)]
pub struct Cli {
    /// The configuration file.
    #[arg(
        long,
        global = true,
        default_value = "data/hakusho.toml",
        env = "HAKUSHO_CONFIG"
    )]
    pub config: PathBuf,
    /// The city (its code or name) when the configuration is a deployment of several.
    #[arg(long, global = true, env = "HAKUSHO_CITY")]
    pub city: Option<String>,
    /// Log format: text (one line per event) or json (one JSON object per line).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "HAKUSHO_LOG_FORMAT")]
    pub log_format: LogFormat,
    // No doc comment: clap would print it in the help, which must not change.
    #[allow(missing_docs)]
    #[command(subcommand)]
    pub command: Command,
}

/// How the logs are written (to standard error).
// The variants are their own names (`--format json`); a doc comment on them would
// become clap's help for the value and change the `--help` text.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Starts the logs: one line per event on standard error, `RUST_LOG` to filter
/// (default `info`). Secrets are never logged: the SMTP password is only read from
/// its environment variable into the transport.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // No colours: the writer escapes every control character an event carries, ESC
    // included, so that a file name cannot forge a line or drive the terminal.
    let builder = tracing_subscriber::fmt()
        .with_writer(crate::logging::OneLineStderr {
            json: format == LogFormat::Json,
        })
        .with_ansi(false)
        .with_target(false)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the whole job: reads the inbox, builds the xlsx and PDF reports, mails them.
    Run {
        /// Run the job once now and exit (the daemon is `hakusho serve`).
        #[arg(long)]
        once: bool,
        /// Put every report under this folder instead of the configured one.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Builds a fiscal year's reports from the store into the reports folder (or --out), mailing nothing.
    Build {
        /// The fiscal year: 令和2年度, R2 or 2020; the configured one when not given.
        #[arg(long, value_parser = parse_fiscal_year)]
        fiscal_year: Option<FiscalYear>,
        /// Put the reports under this folder instead of the configured one.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Starts the daemon, which runs the job on the configured schedule (Asia/Tokyo).
    Serve,
    /// Writes each department's submission workbook, pre-filled from the plan and the store.
    Template {
        /// The fiscal year the workbooks collect: 令和3年度, R3 or 2021.
        #[arg(long, value_parser = parse_fiscal_year)]
        fiscal_year: FiscalYear,
        /// Only this department (部名).
        #[arg(long)]
        department: Option<String>,
        /// The folder to write the workbooks into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Checks submission workbooks without storing them and prints the findings (exit 1 when one is refused).
    Check {
        /// The workbooks to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Takes in submission workbooks: archives, checks and stores them, and mails each receipt (exit 1 when one is sent back).
    Ingest {
        /// The workbooks to take in.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Delivers the outbox now: every message whose next attempt is due.
    Send {
        /// First puts the copies marked undeliverable back in the queue (after the cause
        /// was fixed), and says how many.
        #[arg(long)]
        retry_undeliverable: bool,
        /// First puts this one undeliverable copy (its id, as `status` and the console
        /// show it) back in the queue.
        #[arg(long, conflicts_with = "retry_undeliverable")]
        resend: Option<i64>,
    },
    /// Sends one department a reminder now (the scheduled reminder's text), once a day at most.
    Remind {
        /// The department (部名), as in the configuration.
        #[arg(long)]
        department: String,
    },
    /// Shows submissions per department, the schedule, and the outbox by state.
    Status,
    /// Lists the city's signed-in portal sessions, or ends them (--revoke ADDRESS, --revoke-all).
    Sessions {
        /// Ends every session of this mail address.
        #[arg(long, conflicts_with = "revoke_all")]
        revoke: Option<String>,
        /// Ends every session of the city.
        #[arg(long)]
        revoke_all: bool,
    },
    /// Shows each fiscal year's collection (受付中 / 受付終了), or closes or opens one (--close, --open).
    Collection {
        /// Closes the year's collection: its workbooks are refused unrecorded, each answered saying so.
        #[arg(long, conflicts_with = "open")]
        close: bool,
        /// Opens the year's collection again: its workbooks are taken in as before.
        #[arg(long)]
        open: bool,
        /// The fiscal year: 令和2年度, R2 or 2020; the configured one when not given.
        #[arg(long, value_parser = parse_fiscal_year)]
        fiscal_year: Option<FiscalYear>,
    },
    /// Shows who would receive what on the next run (attachments and sizes), sending nothing.
    PreviewSend,
    /// Writes a fiscal year's datasets as plain tables (xlsx) or JSON, rebuilt from the store.
    Export {
        /// The fiscal year: 令和2年度, R2 or 2020.
        #[arg(long, value_parser = parse_fiscal_year)]
        fiscal_year: FiscalYear,
        /// xlsx (one sheet per table) or json.
        #[arg(long, value_enum, default_value_t = ExportFormat::Xlsx)]
        format: ExportFormat,
        /// The folder to write into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Applies the store's migrations (SQLite or PostgreSQL) and prints its version before and after.
    Migrate,
    /// Copies the whole store into an empty store: a PostgreSQL URL or a SQLite file (moving a city, or a backup).
    CopyStore {
        /// The target: postgres://user@host:port/database, or the path of a SQLite file.
        #[arg(long)]
        to: String,
        /// The environment variable holding the target's PostgreSQL password.
        #[arg(long, default_value = "HAKUSHO_DB_PASSWORD")]
        to_password_env: String,
    },
    /// Prints where every value of an indicator (1-1.1), KPI (K2-1) or action-plan item (1-(2)) came from.
    Explain {
        /// The indicator, KPI or item id.
        item: String,
        /// The fiscal year; the configured one when not given.
        #[arg(long, value_parser = parse_fiscal_year)]
        fiscal_year: Option<FiscalYear>,
    },
    /// For a supervisor: the store reachable and migrated, each city's last runs and outbox backlog (exit 0 healthy, 1 degraded, 2 unreachable).
    Health {
        /// One JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
}

/// The export formats.
// The variants are their own names (`--format json`); a doc comment on them would
// become clap's help for the value and change the `--help` text.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Xlsx,
    Json,
}

fn parse_fiscal_year(text: &str) -> Result<FiscalYear, String> {
    FiscalYear::parse(text).map_err(|e| e.to_string())
}

/// Runs the parsed command on an application context built once, on the system clock.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let clock = Clock::system();
    if matches!(
        cli.command,
        Command::Status | Command::Health { .. } | Command::Explain { .. }
    ) {
        quiet_on_closed_pipe();
    }
    let deployment = Deployment::read(&cli.config)?;
    let city = cli.city.as_deref();
    match cli.command {
        Command::Health { json } => health::health(&deployment, city, json, clock).await,
        Command::Migrate => migrate::migrate_each(&deployment, city),
        Command::Run { once: true, out } if deployment.is_deployment => {
            cities::run_each(&deployment, city, out, clock).await
        }
        Command::Serve if deployment.is_deployment => {
            cities::serve_all(&deployment, city, clock).await
        }
        command => {
            let config = check_city(deployment.one(city)?, needs_of(&command), &clock)?;
            let app = App::with_store(config, clock, store_mode(&command));
            dispatch(&app, command).await
        }
    }
}

/// A command that only prints ends quietly when its reader goes away (`status | head`),
/// as Unix tools do, instead of panicking on the closed pipe. Only these: the others
/// talk to child processes through pipes, where the error must come back as an error.
fn quiet_on_closed_pipe() {
    // SAFETY: sets the process's action for one signal back to the default (Rust's
    // start-up set it to ignore); no handler of ours is replaced. Sockets send with
    // MSG_NOSIGNAL, so a closed connection still comes back as an error.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Hands the command to its file.
async fn dispatch(app: &App, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Run { once, out } => run::run(app, once, out).await,
        Command::Build { fiscal_year, out } => build::build(app, fiscal_year, out).await,
        Command::Serve => crate::daemon::serve::serve(app.clone()).await,
        Command::Template {
            fiscal_year,
            department,
            out,
        } => template::template(app, fiscal_year, department.as_deref(), &out).await,
        Command::Check { files } => {
            refused::named_files_exist(&files)?;
            check::check(app, &files)
        }
        Command::Ingest { files } => {
            refused::named_files_exist(&files)?;
            ingest::ingest(app, files).await
        }
        Command::Send {
            retry_undeliverable,
            resend,
        } => send::send(app, retry_undeliverable, resend).await,
        Command::Remind { department } => send::remind(app, &department).await,
        Command::Status => status::status(app).await,
        Command::Sessions { revoke, revoke_all } => {
            let revoke = match (revoke, revoke_all) {
                (Some(address), _) => sessions::Revoke::Address(address),
                (None, true) => sessions::Revoke::All,
                (None, false) => sessions::Revoke::Nothing,
            };
            sessions::sessions(app, revoke).await
        }
        Command::Collection {
            close,
            open,
            fiscal_year,
        } => {
            let action = match (close, open) {
                (true, _) => collection::Action::Set(false),
                (false, true) => collection::Action::Set(true),
                (false, false) => collection::Action::List,
            };
            collection::collection(app, action, fiscal_year).await
        }
        Command::PreviewSend => preview_send::preview_send(app).await,
        Command::Export {
            fiscal_year,
            format,
            out,
        } => export::export(app, fiscal_year, format, &out).await,
        Command::Explain { item, fiscal_year } => explain::explain(app, &item, fiscal_year).await,
        // Dispatched before a city is chosen (it looks at every city); never here.
        Command::Health { .. } => anyhow::bail!("health は配置の全都市を見るコマンドです"),
        Command::Migrate => anyhow::bail!("migrate は配置の全都市の保存先を移行するコマンドです"),
        Command::CopyStore {
            to,
            to_password_env,
        } => migrate::copy_store_to(app, &to, &to_password_env),
    }
}

/// How a command opens the store: the commands that only read cannot write to it.
fn store_mode(command: &Command) -> OpenMode {
    match command {
        // A damaged store is an error here, never 「送信 0 件」.
        Command::Send { .. } | Command::Remind { .. } => OpenMode::Checked,
        Command::Check { .. }
        | Command::Status
        | Command::PreviewSend
        | Command::Export { .. }
        | Command::Explain { .. }
        | Command::Build { .. }
        | Command::Template { .. }
        | Command::Health { .. }
        | Command::CopyStore { .. } => OpenMode::ReadOnly,
        Command::Run { .. }
        | Command::Serve
        | Command::Ingest { .. }
        | Command::Migrate
        | Command::Sessions { .. }
        | Command::Collection { .. } => OpenMode::Writable,
    }
}

/// What a command will use, checked at start-up before it does anything.
fn needs_of(command: &Command) -> Needs {
    match command {
        Command::Run { out: Some(_), .. } => Needs {
            reports_folder: false,
            ..Needs::WHOLE_RUN
        },
        Command::Run { .. } | Command::Serve => Needs::WHOLE_RUN,
        Command::Ingest { .. } => Needs::INGEST,
        Command::Check { .. } => Needs::CHECK,
        Command::Send { .. } | Command::Remind { .. } => Needs::SEND,
        Command::Template { .. } => Needs::TEMPLATE,
        Command::PreviewSend => Needs::PREVIEW,
        Command::Build { out, .. } => Needs {
            reports_folder: out.is_none(),
            ..Needs::PREVIEW
        },
        Command::Status
        | Command::Export { .. }
        | Command::Explain { .. }
        | Command::Health { .. }
        | Command::Migrate
        | Command::Sessions { .. }
        | Command::Collection { .. }
        | Command::CopyStore { .. } => Needs::STORE,
    }
}
