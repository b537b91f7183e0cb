//! The whole run: take in the inbox, build the reports, mail them.
//!
//! `run_once` is the unit the CLI calls and the schedule repeats. Every message goes
//! through the outbox (written to the store, then delivered), keyed by what it
//! contains: a receipt by its file's hash, queued in the transaction that records the
//! file; a report mail by its year, audience and the digest of its inputs. A run
//! repeated or resumed with the same inputs sends nothing twice.

use std::path::PathBuf;

use chrono::DateTime;
use chrono_tz::Tz;

use crate::app::App;
use crate::intake::{self, FileLine};
use crate::mail::outbox::{self, DeliveryStats};
use crate::mail::receipts;
pub use crate::mail::report_mails::keyed_report_mails;
use crate::mail::Outgoing;
use crate::report;
pub use crate::report::build::{build_all_reports, reports_of, reports_with, BuildOptions};
use crate::store::Store;

/// A queued message as a run's summary lists it: recipients, subject, attachment names.
pub type Mailed = (String, String, Vec<String>);

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Write the reports here instead of `paths.reports`.
    pub out: Option<PathBuf>,
    /// The build time printed on reports; now when not given.
    pub built_at: Option<DateTime<Tz>>,
}

/// What a run did, for the person who started it.
#[derive(Debug, Default)]
pub struct RunSummary {
    /// What intake made of each file found in the inbox: the lines the summary prints,
    /// bounded per file (what was read is dropped once stored; the reports read the
    /// store), so a run's memory does not grow with the files it takes in.
    pub files: Vec<FileLine>,
    /// The report files written, in the order they were built.
    pub reports: Vec<PathBuf>,
    /// Each message queued by this run: recipients, subject, attachment names.
    pub mailed: Vec<Mailed>,
    /// Report mails not queued because the same mail (same year, audience and inputs)
    /// was queued by an earlier run: nothing changed for those recipients.
    pub unchanged: usize,
    /// What the delivery pass did.
    pub delivery: DeliveryStats,
    /// Departments of the configuration with no accepted submission for the year.
    pub missing: Vec<String>,
    /// Files that could not be taken in for a reason of hakusho's own (a full disk, a
    /// busy machine), each with the reason: not recorded, read again on the next run.
    pub not_taken_in: Vec<String>,
}

/// Intake of some files: what was taken in, the receipts queued, and the files that
/// could not be taken in this time.
#[derive(Default)]
struct Taken {
    files: Vec<FileLine>,
    mailed: Vec<Mailed>,
    failed: Vec<String>,
}

/// Runs the whole job once.
pub async fn run_once(app: &App, options: RunOptions) -> anyhow::Result<RunSummary> {
    let built_at = options.built_at.unwrap_or_else(|| app.build_time());
    let (mut summary, messages) = {
        let (app, out) = (app.clone(), options.out.clone());
        tokio::task::spawn_blocking(move || prepare(&app, out, built_at)).await??
    };
    deliver(app, messages, &mut summary).await?;
    not_taken_in(&summary)?;
    Ok(summary)
}

/// A run in which some file could not be taken in fails, after the receipts of the
/// files that were have gone out: the reports wait until every file is in.
fn not_taken_in(summary: &RunSummary) -> anyhow::Result<()> {
    if summary.not_taken_in.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{} 件のファイルを取り込めませんでした。取り込めた分の受付の返信は送りました。報告書は作っていません。後でもう一度実行してください:\n  {}",
        summary.not_taken_in.len(),
        summary.not_taken_in.join("\n  ")
    )
}

/// Takes in the given files (not the inbox) and answers each with its receipt.
pub async fn ingest_files(app: &App, paths: Vec<PathBuf>) -> anyhow::Result<RunSummary> {
    let taken = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            take_in(&app, &mut *app.store().blocking_lock()?, &paths)
        })
        .await??
    };
    let mut summary = RunSummary {
        files: taken.files,
        mailed: taken.mailed,
        not_taken_in: taken.failed,
        ..RunSummary::default()
    };
    deliver(app, Vec::new(), &mut summary).await?;
    not_taken_in(&summary)?;
    Ok(summary)
}

/// Queues the messages (each under its key) and delivers what is due.
async fn deliver(
    app: &App,
    messages: Vec<(String, Outgoing)>,
    summary: &mut RunSummary,
) -> anyhow::Result<()> {
    let config = app.config();
    // Delivery waits on mail servers: on a connection of its own, nobody waits behind it.
    let mut store = app.store().separate()?;
    let now = app.now();
    for (key, outgoing) in &messages {
        if outbox::enqueue(config, &mut store, key, outgoing, now)? {
            summary.mailed.push(mailed(outgoing));
        } else {
            summary.unchanged += 1;
        }
    }
    let mailer = app.mailer()?;
    summary.delivery = outbox::deliver_once(config, &mut store, mailer, app.clock()).await?;
    Ok(())
}

/// How a queued message is listed in a run's summary: recipients, subject, attachments.
fn mailed(outgoing: &Outgoing) -> Mailed {
    let to = outgoing
        .to
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let names = outgoing
        .attachments
        .iter()
        .map(|a| a.file_name.clone())
        .collect();
    (to, outgoing.subject.clone(), names)
}

/// Intake of some files, each recorded with its receipt (keyed by the file's hash) in
/// one transaction, all received at the clock's now. Returns what was taken in and
/// the receipts queued.
fn take_in(app: &App, store: &mut Store, paths: &[PathBuf]) -> anyhow::Result<Taken> {
    let received_at = app.clock().tokyo();
    let config = app.config();
    let guide = crate::template::guide_text(config)?;
    let earlier = app.earlier_figures(store)?;
    let plan = app.plan()?;
    let intake = app.intake(&plan, &earlier)?;
    let mut taken = Taken::default();
    for path in paths {
        // A file that fails for a reason of our own is left for the next run; the
        // files after it are still taken in and answered.
        let answered = match receipts::take_in_file(path, intake, store, received_at, &guide) {
            Ok(answered) => answered,
            Err(error) => {
                let name = crate::domain::printable(&path.display().to_string()).into_owned();
                let reason = crate::domain::printable(&format!("{error:#}")).into_owned();
                tracing::error!(file = %name, "ファイルを取り込めませんでした(次の実行で読み直します): {reason}");
                taken.failed.push(format!("{name}: {reason}"));
                continue;
            }
        };
        let report = answered.report;
        tracing::info!(file = %crate::domain::printable(&report.file_name), sha256 = %report.sha256, outcome = ?report.outcome, findings = report.findings.len(), "file received");
        taken.mailed.extend(answered.receipt.as_ref().map(mailed));
        // The report (content, typed cells) is dropped here: only its line is kept.
        taken.files.push(FileLine::of(&report));
    }
    Ok(taken)
}

/// The blocking part: intake with receipts, store, reports, and the messages to send.
fn prepare(
    app: &App,
    out: Option<PathBuf>,
    built_at: DateTime<Tz>,
) -> anyhow::Result<(RunSummary, Vec<(String, Outgoing)>)> {
    let config = app.config();
    // A connection of the run's own: it is held through minutes of report building,
    // and the watcher, the delivery worker and the other jobs go on beside it.
    let mut store = app.store().separate()?;
    let inbox = intake::inbox_files(&config.paths.inbox)?;
    let taken = take_in(app, &mut store, &inbox)?;
    if !taken.failed.is_empty() {
        let summary = RunSummary {
            files: taken.files,
            mailed: taken.mailed,
            not_taken_in: taken.failed,
            ..RunSummary::default()
        };
        return Ok((summary, Vec::new()));
    }
    let Taken { files, mailed, .. } = taken;
    let (built, reports) = build_all_reports(config, &mut store, built_at)?;
    let dir = out.unwrap_or_else(|| config.paths.reports.clone());
    let written = report::year::write_built(config, &store, &dir, &built, &reports)?;
    let missing = config
        .departments
        .iter()
        .filter(|d| built.datasets.submission_of(&d.name).is_none())
        .map(|d| d.name.clone())
        .collect();
    let messages = keyed_report_mails(config, &built, &reports, &dir)?;
    let summary = RunSummary {
        files,
        reports: written,
        missing,
        mailed,
        ..RunSummary::default()
    };
    Ok((summary, messages))
}
