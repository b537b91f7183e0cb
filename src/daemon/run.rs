//! The whole run: take in the inbox, build the reports, mail them.
//!
//! `run_once` is the unit the CLI calls and the schedule repeats. Every message goes
//! through the outbox (written to the store, then delivered), keyed by what it
//! contains: a receipt by its file's hash, queued in the transaction that records the
//! file; a report mail by its year, audience and the digest of its inputs. A run
//! repeated or resumed with the same inputs sends nothing twice.

use std::path::PathBuf;

use anyhow::Context;
use chrono::DateTime;
use chrono_tz::Tz;

use crate::app::App;
use crate::archive::sha256_hex;
use crate::config::{mailboxes, Config};
use crate::consolidate;
use crate::intake::{self, FileReport, Outcome};
use crate::mail::outbox::{self, DeliveryStats};
use crate::mail::receipts;
use crate::mail::{Outgoing, OutgoingAttachment};
use crate::plan::Plan;
use crate::report::{self, Audience, Dataset, Edition, FontSet, ReportFile, WhitePaperLabels};
use crate::store::Staged;
use crate::store::Store;
use crate::texts::{render_file, Values};

/// A queued message as a run's summary lists it: recipients, subject, attachment names.
pub type Mailed = (String, String, Vec<String>);

/// The audience name of the managers' mail.
const WHOLE: &str = "全庁";

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
    /// What intake made of each file found in the inbox.
    pub files: Vec<FileReport>,
    /// The report files written, in the order they were built.
    pub reports: Vec<PathBuf>,
    /// Each message queued by this run: recipients, subject, attachment names.
    pub mailed: Vec<Mailed>,
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
    files: Vec<FileReport>,
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
    let mut store = app.store().lock().await?;
    let now = app.now();
    for (key, outgoing) in &messages {
        if outbox::enqueue(config, &mut store, key, outgoing, now)? {
            summary.mailed.push(mailed(outgoing));
        }
    }
    let mailer = app.mailer()?;
    summary.delivery = outbox::deliver_once(config, &mut store, mailer, now).await?;
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
    let shown = received_at.format("%Y年%-m月%-d日 %H:%M").to_string();
    let config = app.config();
    let guide = crate::template::guide_text(config)?;
    let intake = app.intake()?;
    let mut taken = Taken::default();
    for path in paths {
        let mut composed = None;
        let answer = |report: &FileReport| -> anyhow::Result<Option<Staged>> {
            let Some(receipt) = receipts::compose(config, intake.plan, report, &shown, &guide)?
            else {
                return Ok(None);
            };
            composed = Some(mailed(&receipt));
            let key = format!("receipt:{}", report.sha256);
            Ok(Some(outbox::stage(config, &key, &receipt)?))
        };
        // A file that fails for a reason of our own is left for the next run; the
        // files after it are still taken in and answered.
        let report = match intake::ingest_and_answer(path, intake, store, received_at, answer) {
            Ok(report) => report,
            Err(error) => {
                let name = crate::domain::printable(&path.display().to_string()).into_owned();
                let reason = crate::domain::printable(&format!("{error:#}")).into_owned();
                tracing::error!(file = %name, "ファイルを取り込めませんでした(次の実行で読み直します): {reason}");
                taken.failed.push(format!("{name}: {reason}"));
                continue;
            }
        };
        tracing::info!(file = %crate::domain::printable(&report.file_name), sha256 = %report.sha256, outcome = ?report.outcome, findings = report.findings.len(), "file received");
        if !matches!(report.outcome, Outcome::AlreadyReceived { .. }) {
            taken.mailed.extend(composed);
        }
        taken.files.push(report);
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
    let mut store = app.store().blocking_lock()?;
    let plan = app.plan()?;
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
    let (dataset, reports) = build_all_reports(config, plan, &mut store, built_at)?;
    let dir = out.unwrap_or_else(|| config.paths.reports.clone());
    let written = report::write_reports(&dir, dataset.fiscal_year, &reports)?;
    let missing = config
        .departments
        .iter()
        .filter(|d| !dataset.departments.iter().any(|s| s.department == d.name))
        .map(|d| d.name.clone())
        .collect();
    let messages = compose(config, &dataset, &reports, &dir)?
        .into_iter()
        .map(|(audience, outgoing)| (report_key(&dataset, &audience, &outgoing), outgoing))
        .collect();
    let summary = RunSummary {
        files,
        reports: written,
        missing,
        mailed,
        ..RunSummary::default()
    };
    Ok((summary, messages))
}

/// What a report mail is keyed by: its year and audience, and a digest of what it
/// carries, never when the run happened: the inputs the reports were built from, the
/// files attached and the problems told. A run repeated or resumed with the same inputs
/// queues nothing new; one with changed inputs, or one where a report that failed
/// before is built now, sends the new mail.
fn report_key(dataset: &Dataset, audience: &str, outgoing: &Outgoing) -> String {
    let inputs = match audience {
        WHOLE => &dataset.summary_inputs_sha256,
        _ => &dataset.inputs_sha256,
    };
    let mut carried = format!("{inputs}\n{}", dataset.problems.join("\n"));
    for attachment in &outgoing.attachments {
        carried.push_str(&format!("\n{}", attachment.file_name));
    }
    let year = dataset.fiscal_year.start_year();
    format!(
        "report:{year}:{}:{audience}",
        sha256_hex(carried.as_bytes())
    )
}

/// Every report of the configured year from the store: the white paper, the manager
/// summary, 各部の運営方針と目標 (booklet and newsletter page), the indicator tables, and
/// each department's own report. Pure but for reading the store and the templates.
///
/// Each report (and each department's files) is built on its own: one that fails is
/// logged with its cause and left out, and the others are built and mailed all the
/// same. What failed, and every character printed as 〓, is listed for the managers in
/// their summary and in [`Dataset::problems`] (their mail).
pub fn build_all_reports(
    config: &Config,
    plan: &Plan,
    store: &mut Store,
    built_at: DateTime<Tz>,
) -> anyhow::Result<(Dataset, Vec<ReportFile>)> {
    let year = config.fiscal_year();
    let current = store.current_indicators(&config.city.code, year)?;
    let mut dataset = Dataset::new(config, plan, current, built_at);
    let fonts = FontSet::for_config(config)?;
    let datasets = consolidate::from_store(config, store, year)?;
    let labels = WhitePaperLabels::load(&config.paths.templates)?;
    let texts = report::DepartmentPlanTexts::load(&config.paths.templates)?;
    let states = store.latest_by_department(&config.city.code, year)?;
    let summary_texts = report::SummaryTexts::load(&config.paths.templates)?;
    let names: Vec<String> = config.departments.iter().map(|d| d.name.clone()).collect();
    let edition = Edition::new(&datasets, &fonts, built_at)?;
    let mut build = Builds::new(&fonts);
    build.attempt("自治体経営白書", || {
        Ok(vec![report::white_paper_file(
            &datasets, &labels, &edition,
        )?])
    });
    // The summary goes second, as before, once the other reports have said what went wrong.
    let summary_at = build.files.len();
    build.attempt("各部の運営方針と目標", || {
        report::department_plan_files(&datasets, &texts, &edition)
    });
    build.attempt("白書データ(全庁)", || {
        Ok(vec![report::workbook_file(&datasets, None, &edition)?])
    });
    build.attempt("目標指標の達成状況(全庁)", || {
        report::build_reports(&dataset, &edition)
    });
    for submitted in store.current_submissions(&config.city.code, year)? {
        let department = submitted.content.department.clone();
        build.attempt(&format!("{department}の報告書"), || {
            let notes: Vec<String> = store
                .findings_of(submitted.submission_id)
                .with_context(|| {
                    format!(
                        "reading the findings of submission {}",
                        submitted.submission_id
                    )
                })?
                .iter()
                .map(|f| format!("受付時の指摘 {f}"))
                .collect();
            Ok(vec![
                report::workbook_file(&datasets, Some(&department), &edition)?,
                report::department_file(&datasets, &department, &notes, &labels, &edition)?,
            ])
        });
    }
    let problems = build.problems.clone();
    // The summary prints the problems listed so far: only characters not listed yet are news.
    build.list_known_characters_again = false;
    let summary = build.attempt("管理者向け要約", || {
        let file = report::summary_file(
            &datasets,
            &names,
            &states,
            &summary_texts,
            &problems,
            &edition,
        )?;
        Ok(vec![file])
    });
    let (mut files, problems) = (build.files, build.problems);
    let summary_files: Vec<ReportFile> = files.drain(files.len() - summary..).collect();
    files.splice(summary_at..summary_at, summary_files);
    dataset.problems = problems;
    let mut with_states = edition.inputs_sha256.clone();
    for state in &states {
        with_states.push_str(&format!("\n{state:?}"));
    }
    dataset.summary_inputs_sha256 = sha256_hex(with_states.as_bytes());
    dataset.inputs_sha256 = edition.inputs_sha256.clone();
    Ok((dataset, files))
}

/// The reports of one build as they are made, and what went wrong on the way.
struct Builds<'f> {
    fonts: &'f FontSet,
    files: Vec<ReportFile>,
    /// For the managers, in Japanese: each report that failed, each character drawn as 〓.
    problems: Vec<String>,
    /// The characters drawn as 〓 listed so far.
    listed: Vec<char>,
    /// Whether a character already listed for one report is listed again for the next.
    list_known_characters_again: bool,
}

impl<'f> Builds<'f> {
    fn new(fonts: &'f FontSet) -> Self {
        Builds {
            fonts,
            files: Vec::new(),
            problems: Vec::new(),
            listed: Vec::new(),
            list_known_characters_again: true,
        }
    }

    /// Builds the files of one report (`label` names it for the managers); a failure
    /// is logged with its chain and listed, and stops nothing else. Returns how many
    /// files it added.
    fn attempt(
        &mut self,
        label: &str,
        build: impl FnOnce() -> anyhow::Result<Vec<ReportFile>>,
    ) -> usize {
        let outcome = build();
        let missing = self.fonts.take_missing();
        match outcome {
            Ok(files) => {
                self.note_missing(label, &missing);
                let count = files.len();
                self.files.extend(files);
                count
            }
            Err(error) => {
                tracing::error!(
                    report = label,
                    error = format!("{error:#}"),
                    "a report could not be built; the others go on"
                );
                self.problems.push(format!(
                    "{label}を作成できませんでした。この報告書は送られません(原因は hakusho のログにあります)"
                ));
                0
            }
        }
    }

    /// One line per character drawn as 〓 in a report, with the first text it was in.
    fn note_missing(&mut self, label: &str, missing: &[report::MissingGlyph]) {
        let mut seen = Vec::new();
        for m in missing {
            let known = self.listed.contains(&m.character) && !self.list_known_characters_again;
            if seen.contains(&m.character) || known {
                continue;
            }
            seen.push(m.character);
            self.listed.push(m.character);
            let context: String = m.text.trim().chars().take(40).collect();
            self.problems.push(format!(
                "{label}: {} はどのフォントにもないため「{}」で印刷しました(「{context}」)",
                report::describe_character(m.character),
                report::REPLACEMENT
            ));
        }
    }
}

/// One message per department that submitted, and one to the managers, each with
/// the name of its audience.
pub fn compose(
    config: &Config,
    dataset: &Dataset,
    files: &[ReportFile],
    dir: &std::path::Path,
) -> anyhow::Result<Vec<(String, Outgoing)>> {
    let mut messages = Vec::new();
    for submitted in &dataset.departments {
        let Some(department) = config.department(&submitted.department) else {
            continue;
        };
        if department.recipients.is_empty() {
            tracing::warn!(department = %department.name, "no recipients configured; report not mailed");
            continue;
        }
        let audience = Audience::Department(department.name.clone());
        let attachments = attachments_for(files, &audience, dir, dataset);
        let mut values = common_values(dataset, &attachments);
        values.insert("department", department.name.clone());
        values.insert("file_name", submitted.file_name.clone());
        values.insert("indicator_count", submitted.indicators.len().to_string());
        let own = format!("{}の報告書", department.name);
        let problems = dataset.problems.iter().filter(|p| p.starts_with(&own));
        values.insert("problems", problem_lines(problems));
        let rendered = render_file(&config.paths.templates, "department_report", &values)?;
        messages.push((
            department.name.clone(),
            Outgoing {
                to: mailboxes(&department.recipients),
                subject: rendered.subject,
                body: rendered.body,
                attachments,
            },
        ));
    }
    if !config.managers.recipients.is_empty() {
        let attachments = attachments_for(files, &Audience::Whole, dir, dataset);
        let mut values = common_values(dataset, &attachments);
        values.insert("status_lines", status_lines(config, dataset));
        values.insert("problems", problem_lines(dataset.problems.iter()));
        let rendered = render_file(&config.paths.templates, "manager_summary", &values)?;
        messages.push((
            WHOLE.to_string(),
            Outgoing {
                to: mailboxes(&config.managers.recipients),
                subject: rendered.subject,
                body: rendered.body,
                attachments,
            },
        ));
    }
    Ok(messages)
}

fn common_values(dataset: &Dataset, attachments: &[OutgoingAttachment]) -> Values {
    let list = attachments
        .iter()
        .map(|a| format!("  ・{}", a.file_name))
        .collect::<Vec<_>>()
        .join("\n");
    Values::from([
        ("city", dataset.city.clone()),
        ("fiscal_year", dataset.fiscal_year.to_string()),
        (
            "built_at",
            dataset.built_at.format("%Y年%-m月%-d日 %H:%M").to_string(),
        ),
        ("attachments", list),
    ])
}

fn attachments_for(
    files: &[ReportFile],
    audience: &Audience,
    dir: &std::path::Path,
    dataset: &Dataset,
) -> Vec<OutgoingAttachment> {
    files
        .iter()
        .filter(|f| &f.audience == audience)
        .map(|f| OutgoingAttachment {
            file_name: f.file_name.clone(),
            content_type: f.content_type().to_string(),
            bytes: f.bytes.clone(),
            location: Some(
                dir.join(dataset.fiscal_year.to_string())
                    .join(&f.file_name)
                    .display()
                    .to_string(),
            ),
        })
        .collect()
}

/// What went wrong while building the reports, as a paragraph of a mail (nothing
/// when all went well).
fn problem_lines<'p>(problems: impl Iterator<Item = &'p String>) -> String {
    let lines: Vec<String> = problems.map(|p| format!("  ・{p}")).collect();
    if lines.is_empty() {
        return String::new();
    }
    format!("\n報告書の作成で問題がありました:\n{}\n", lines.join("\n"))
}

/// One line per configured department: submitted (with its indicator count) or not.
fn status_lines(config: &Config, dataset: &Dataset) -> String {
    config
        .departments
        .iter()
        .map(
            |d| match dataset.departments.iter().find(|s| s.department == d.name) {
                Some(s) => format!(
                    "  ・{}: 提出済み(目標指標 {}件)",
                    d.name,
                    s.indicators.len()
                ),
                None => format!("  ・{}: 未提出", d.name),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}
