//! The `hakusho` command line.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::intake::Outcome;
use crate::job::{run_once, RunOptions, RunSummary};

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
    #[command(subcommand)]
    pub command: Command,
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
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(&cli.config)?;
    match cli.command {
        Command::Run { once: false, .. } => {
            bail!("`hakusho run` needs --once; to run on the schedule, start `hakusho serve`")
        }
        Command::Run { once: true, out } => {
            let summary = run_once(
                &config,
                RunOptions {
                    out,
                    built_at: None,
                },
            )
            .await?;
            print_summary(&summary);
            Ok(())
        }
        Command::Serve => crate::schedule::serve(config).await,
    }
}

fn print_summary(summary: &RunSummary) {
    println!("受付 ({} 件):", summary.files.len());
    for file in &summary.files {
        println!("  {} … {}", file.file_name, outcome_label(&file.outcome));
        for finding in &file.findings {
            println!("    {finding}");
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
    for (to, subject, attachments) in &summary.mailed {
        println!("  {to}: {subject} (添付 {} 件)", attachments.len());
    }
}

fn outcome_label(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Accepted {
            department,
            indicators,
        } => format!("受理 ({department}、目標指標 {indicators}件)"),
        Outcome::Rejected => "差戻し".to_string(),
        Outcome::AlreadyReceived {
            department: Some(d),
        } => format!("受付済み ({d}、同じ内容のファイル)"),
        Outcome::AlreadyReceived { department: None } => {
            "受付済み (同じ内容のファイル)".to_string()
        }
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
