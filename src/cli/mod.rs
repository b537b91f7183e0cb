//! The `hakusho` command line.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Parser, Subcommand};

use crate::app::{load_config, Needs};
use crate::config::Config;
use crate::consolidate;
use crate::daemon::run::{run_once, RunOptions, RunSummary};
use crate::domain::{printable, FiscalYear};
use crate::intake::{check_file, Intake};
use crate::mail::outbox::{message_size, size_label, too_large};
use crate::plan::Plan;
use crate::report::export;
use crate::store::Store;
use crate::template::write_templates;

/// hakusho: collects the departments' planning workbooks and publishes the white paper.
#[derive(Debug, Parser)]
#[command(name = "hakusho", version, about)]
pub struct Cli {
    /// The configuration file.
    #[arg(
        long,
        global = true,
        default_value = "data/hakusho.toml",
        env = "HAKUSHO_CONFIG"
    )]
    pub config: PathBuf,
    /// Log format: text (one line per event) or json (one JSON object per line).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "HAKUSHO_LOG_FORMAT")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How the logs are written (to standard error).
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
    /// Checks submission workbooks without storing them and prints the findings (exit 1 on any error).
    Check {
        /// The workbooks to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Takes in submission workbooks: archives, checks and stores them, and mails each receipt.
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
    },
    /// Shows submissions per department, the schedule, and the outbox by state.
    Status,
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
    /// Prints where every value of an indicator (1-1.1), KPI (K2-1) or action-plan item (1-(2)) came from.
    Explain {
        /// The indicator, KPI or item id.
        item: String,
        /// The fiscal year; the configured one when not given.
        #[arg(long, value_parser = parse_fiscal_year)]
        fiscal_year: Option<FiscalYear>,
    },
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Xlsx,
    Json,
}

fn parse_fiscal_year(text: &str) -> Result<FiscalYear, String> {
    FiscalYear::parse(text).map_err(|e| e.to_string())
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = load_config(&cli.config, needs_of(&cli.command))?;
    match cli.command {
        Command::Run { once: false, .. } => {
            bail!("`hakusho run` needs --once; to run on the schedule, start `hakusho serve`")
        }
        Command::Run { once: true, out } => {
            let summary = run_once(
                &config,
                RunOptions {
                    out,
                    ..RunOptions::default()
                },
            )
            .await?;
            print_summary(&summary);
            Ok(())
        }
        Command::Serve => crate::daemon::schedule::serve(config).await,
        Command::Template {
            fiscal_year,
            department,
            out,
        } => {
            let mut config = config;
            config.city.fiscal_year.0 = fiscal_year;
            let plan = Plan::load(&config.paths.plan)?;
            let store = Store::open(&config.paths.database)?;
            let created = crate::daemon::run::build_time().timestamp();
            for path in write_templates(
                &config,
                &plan,
                &store,
                fiscal_year,
                department.as_deref(),
                &out,
                created,
            )? {
                println!("{}", display(&path));
            }
            Ok(())
        }
        Command::Check { files } => check(&config, &files),
        Command::Send {
            retry_undeliverable,
        } => send(&config, retry_undeliverable).await,
        Command::Status => status(&config),
        Command::PreviewSend => preview_send(&config),
        Command::Export {
            fiscal_year,
            format,
            out,
        } => {
            let mut store = Store::open(&config.paths.database)?;
            let datasets = consolidate::from_store(&config, &mut store, fiscal_year)?;
            std::fs::create_dir_all(&out)?;
            let stem = out.join(format!("{fiscal_year}_データセット"));
            let path = match format {
                ExportFormat::Xlsx => stem.with_extension("xlsx"),
                ExportFormat::Json => stem.with_extension("json"),
            };
            let bytes = match format {
                ExportFormat::Xlsx => {
                    export::to_xlsx(&datasets, crate::daemon::run::build_time().timestamp())?
                }
                ExportFormat::Json => export::to_json(&datasets)?.into_bytes(),
            };
            std::fs::write(&path, bytes)?;
            println!("{}", display(&path));
            for gap in &datasets.gaps {
                println!("  不足: {} {}", gap.department, gap.what);
            }
            for finding in &datasets.findings {
                println!("  照合: {}", finding.message);
            }
            Ok(())
        }
        Command::Explain { item, fiscal_year } => {
            let mut store = Store::open(&config.paths.database)?;
            let datasets = consolidate::from_store(
                &config,
                &mut store,
                fiscal_year.unwrap_or(config.fiscal_year()),
            )?;
            match consolidate::explain(&datasets, &item) {
                Some(text) => {
                    print!("{text}");
                    Ok(())
                }
                None => bail!("「{item}」という指標・KPI・個別課題はありません"),
            }
        }
        Command::Ingest { files } => {
            let summary = crate::daemon::run::ingest_files(&config, files).await?;
            print_summary(&summary);
            Ok(())
        }
    }
}

/// Delivers what is due (after requeueing the undeliverable copies when asked). A
/// pass that ends with delivery paused is an error: nothing could be sent.
async fn send(config: &Config, retry_undeliverable: bool) -> anyhow::Result<()> {
    let mut store = Store::open_checked(&config.paths.database)?;
    if retry_undeliverable {
        let now = crate::domain::stamp(chrono::Utc::now());
        let requeued = store.requeue_failed(&config.city.code, &now)?;
        println!("配送不能だったメール {requeued} 件を送信待ちに戻しました");
    }
    let mailer = crate::mail::Mailer::from_config(config)?;
    let stats =
        crate::mail::outbox::deliver_once(config, &mut store, &mailer, chrono::Utc::now()).await?;
    println!(
        "配送: 送信 {} 件、再試行待ち {} 件、配送不能 {} 件",
        stats.sent, stats.retried, stats.failed
    );
    if let Some(pause) = store.delivery_pause(&config.city.code)? {
        bail!(
            "メールの配送を一時停止しています({} から): {}",
            tokyo_time(&pause.paused_at),
            pause.reason
        );
    }
    Ok(())
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
        Command::Send { .. } => Needs::SEND,
        Command::Template { .. } => Needs::TEMPLATE,
        Command::PreviewSend => Needs::PREVIEW,
        Command::Status | Command::Export { .. } | Command::Explain { .. } => Needs::STORE,
    }
}

/// Submissions of the year by department, the next scheduled run, the outbox.
/// A stored RFC 3339 time as staff read it: Tokyo time, to the minute.
fn tokyo_time(stamp: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stamp).map_or_else(
        |_| stamp.to_string(),
        |t| {
            t.with_timezone(&chrono_tz::Asia::Tokyo)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        },
    )
}

/// How a ledger outcome reads in Japanese.
fn run_outcome_label(outcome: Option<&str>) -> String {
    match outcome {
        None => "実行中".to_string(),
        Some("ok") => "成功".to_string(),
        Some(other) => match other.strip_prefix("failed: ") {
            Some(error) => format!("失敗: {error}"),
            None => other.to_string(),
        },
    }
}

/// Submissions of the year by department, the next scheduled run, the outbox.
fn status(config: &Config) -> anyhow::Result<()> {
    let store = Store::open_checked(&config.paths.database)?;
    let year = config.fiscal_year();
    println!("{} {} の提出状況:", config.city.name, year);
    let states = store.latest_by_department(&config.city.code, year)?;
    for department in &config.departments {
        match states.iter().find(|s| s.department == department.name) {
            Some(s) => println!(
                "  {}: {} ({}、{})",
                department.name,
                s.label(),
                printable(&s.file_name),
                tokyo_time(&s.received_at)
            ),
            None => println!("  {}: 未提出", department.name),
        }
    }
    for (job, cron) in crate::daemon::schedule::jobs(config) {
        let next = crate::daemon::schedule::next_occurrence(cron).map_or_else(
            || "なし".to_string(),
            |t| t.format("%Y-%m-%d %H:%M %Z").to_string(),
        );
        let last = match store.last_run(&config.city.code, job)? {
            Some(run) => format!(
                "{} ({})",
                tokyo_time(&run.scheduled_for),
                run_outcome_label(run.outcome.as_deref())
            ),
            None => "なし".to_string(),
        };
        let label = crate::daemon::schedule::job_label(job);
        println!("{label}: 前回 {last}、次回 {next}");
    }
    let counts = store.outbox_counts(&config.city.code)?;
    println!(
        "送信待ちのメール: 未送信 {} 件、送信済み {} 件、配送不能 {} 件",
        counts.pending, counts.sent, counts.failed
    );
    for failed in store.deliveries_in(&config.city.code, "failed")? {
        println!(
            "  配送不能: {} ({})",
            printable(&failed.recipient),
            printable(&failed.last_error.unwrap_or_default())
        );
    }
    if let Some(pause) = store.delivery_pause(&config.city.code)? {
        println!(
            "配送を一時停止中: {} から(最後の確認 {})。理由: {}",
            tokyo_time(&pause.paused_at),
            tokyo_time(&pause.last_probe_at),
            pause.reason
        );
        println!("  送信者側の設定(SMTP のログイン・暗号化)を直すと、次の配送で自動的に再開します");
    }
    Ok(())
}

/// The messages the next run would send from what is stored now, and the outbox.
fn preview_send(config: &Config) -> anyhow::Result<()> {
    let plan = Plan::load(&config.paths.plan)?;
    let mut store = Store::open(&config.paths.database)?;
    let (dataset, reports) = crate::daemon::run::build_all_reports(
        config,
        &plan,
        &mut store,
        crate::daemon::run::build_time(),
    )?;
    let messages = crate::daemon::run::compose(config, &dataset, &reports, &config.paths.reports)?;
    println!(
        "次の実行で送るメール ({} 通、送信はしません):",
        messages.len()
    );
    for (_, message) in &messages {
        let to: Vec<String> = message.to.iter().map(ToString::to_string).collect();
        println!("  {}", printable(&message.subject));
        println!("    宛先: {}", to.join(", "));
        for a in &message.attachments {
            println!(
                "    添付: {} ({})",
                printable(&a.file_name),
                size_label(a.bytes.len() as u64)
            );
        }
        println!(
            "    合計 {}{}",
            size_label(message_size(message)),
            if too_large(config, message) {
                "(上限を超えるため、添付せずに保存場所を知らせます)"
            } else {
                ""
            }
        );
    }
    let pending = store.deliveries_in(&config.city.code, "pending")?;
    println!("送信待ちのメール: {} 件", pending.len());
    for d in pending {
        println!(
            "  {} (試行 {} 回、次回 {})",
            d.recipient, d.attempts, d.next_attempt_at
        );
    }
    Ok(())
}

/// Prints each file's findings; an error anywhere makes the exit status 1.
fn check(config: &Config, files: &[PathBuf]) -> anyhow::Result<()> {
    let plan = Plan::load(&config.paths.plan)?;
    let fonts = crate::report::Coverage::for_config(config)?;
    let mut errors = 0;
    for path in files {
        let name = path
            .file_name()
            .map_or_else(|| display(path), |n| n.to_string_lossy().into_owned());
        let reading = check_file(
            path,
            Intake {
                config,
                plan: &plan,
                fonts: &fonts,
            },
        )?;
        let verdict = reading.verdict().check_label();
        println!("{} … {verdict}", printable(&name));
        for finding in &reading.findings {
            println!("  {}", printable(&finding.to_string()));
        }
        errors += usize::from(reading.has_errors());
    }
    if errors > 0 {
        bail!(CheckFailed(errors));
    }
    Ok(())
}

/// `hakusho check` found errors: exit status 1 with a one-line summary.
#[derive(Debug, thiserror::Error)]
#[error("{0} 件のファイルに誤りがあります")]
pub struct CheckFailed(pub usize);

fn print_summary(summary: &RunSummary) {
    println!("受付 ({} 件):", summary.files.len());
    for file in &summary.files {
        let label = file.outcome.label();
        println!("  {} … {}", printable(&file.file_name), printable(&label));
        for finding in &file.findings {
            println!("    {}", printable(&finding.to_string()));
        }
    }
    if !summary.missing.is_empty() {
        println!("未提出: {}", summary.missing.join("、"));
    }
    println!("作成した報告書 ({} 件):", summary.reports.len());
    for path in &summary.reports {
        println!("  {}", display(path));
    }
    println!("送信したメール ({} 通):", summary.mailed.len());
    let d = summary.delivery;
    println!(
        "  配送: 送信 {} 件、再試行待ち {} 件、配送不能 {} 件",
        d.sent, d.retried, d.failed
    );
    if d.paused {
        println!("  配送を一時停止しています(送信者側の設定の問題。`hakusho status` で理由を確認してください)");
    }
    for (to, subject, attachments) in &summary.mailed {
        let (to, subject) = (printable(to), printable(subject));
        println!("  {to}: {subject} (添付 {} 件)", attachments.len());
    }
}

/// A path as printed: one line, whatever characters its name holds.
fn display(path: &Path) -> String {
    printable(&path.display().to_string()).into_owned()
}
