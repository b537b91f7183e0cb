//! Building a year's reports from the consolidated datasets: every report on its own
//! (one that fails is left out and told), in parallel, the same bytes on any number of
//! threads. The run, `hakusho build`, `preview-send` and the planning division's
//! rebuild all build through here.

use anyhow::Context;
use chrono::DateTime;
use chrono_tz::Tz;

use crate::archive::sha256_hex;
use crate::config::Config;
use crate::consolidate::{self, Datasets, Submission};
use crate::domain::metrics;
use crate::report::{self, Batch, Built, Edition, FontSet, ReportFile, WhitePaperLabels};
use crate::store::Store;

/// Every report of the configured year from the store: the white paper, the manager
/// summary, 各部の運営方針と目標 (booklet and newsletter page), the indicator tables, and
/// each department's own report, all printed from one consolidated dataset. Pure but
/// for reading the store and the templates.
///
/// Each report (and each department's files) is built on its own: one that fails is
/// logged with its cause and left out, and the others are built and mailed all the
/// same. What failed, and every character printed as 〓, is listed for the managers in
/// their summary and in [`Built::problems`] (their mail).
pub fn build_all_reports(
    config: &Config,
    store: &mut Store,
    built_at: DateTime<Tz>,
) -> anyhow::Result<(Built, Vec<ReportFile>)> {
    let datasets = consolidate::from_store(config, store, config.fiscal_year())?;
    reports_of(config, datasets, built_at)
}

/// Every report printed from `datasets` (see [`build_all_reports`]); reads only the
/// templates and the fonts (`preview-send` builds from a store it does not write).
pub fn reports_of(
    config: &Config,
    datasets: Datasets,
    built_at: DateTime<Tz>,
) -> anyhow::Result<(Built, Vec<ReportFile>)> {
    reports_with(config, datasets, built_at, &BuildOptions::default())
}

/// How the reports are built: on how many threads, how hard the PDFs' streams are
/// deflated, and whether the PDFs share their font subsets. The files are the same
/// bytes on any number of threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildOptions {
    /// Reports built at once (1: one after the other).
    pub threads: usize,
    /// The zlib level of the PDFs' streams.
    pub deflate_level: u32,
    /// Every PDF of the build embeds the same subset of each font (every glyph any of
    /// them uses), made and deflated once; else each PDF subsets its own. Measured on
    /// the sample year (`benches/annual_run.rs`), sharing makes the PDFs twice as large
    /// in all (each carries the glyphs of all) and saves no time: off by default.
    pub shared_fonts: bool,
}

impl Default for BuildOptions {
    /// One thread per core, zlib's default level, a font subset per PDF.
    fn default() -> Self {
        BuildOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            deflate_level: report::DEFAULT_DEFLATE_LEVEL,
            shared_fonts: false,
        }
    }
}

/// [`reports_of`] with the given [`BuildOptions`]. How long it took is counted in
/// [`metrics::REPORT_BUILD_SECONDS`] (`/metrics`).
pub fn reports_with(
    config: &Config,
    datasets: Datasets,
    built_at: DateTime<Tz>,
    options: &BuildOptions,
) -> anyhow::Result<(Built, Vec<ReportFile>)> {
    metrics::REPORT_BUILD_SECONDS.time(|| build_reports(config, datasets, built_at, options))
}

/// The build of [`reports_with`].
fn build_reports(
    config: &Config,
    datasets: Datasets,
    built_at: DateTime<Tz>,
    options: &BuildOptions,
) -> anyhow::Result<(Built, Vec<ReportFile>)> {
    let texts = ReportTexts::load(config);
    let fonts = FontSet::for_config(config)?;
    let batch = Batch::default();
    let mut edition = Edition::new(&datasets, &fonts, built_at)?;
    edition.deflate_level = options.deflate_level;
    edition.batch = options.shared_fonts.then_some(&batch);
    let mut build = Builds::new();
    let summary_at = build_in_parallel(&mut build, &datasets, &texts, &edition, options.threads);
    build_summary(&mut build, config, &datasets, &texts, &edition, summary_at);
    let summary_inputs_sha256 = summary_inputs(&edition, &datasets);
    let inputs_sha256 = edition.inputs_sha256.clone();
    drop(edition);
    let files = write_kept(batch, build.files, options)?;
    let built = Built {
        datasets,
        built_at,
        problems: build.problems,
        inputs_sha256,
        summary_inputs_sha256,
    };
    Ok((built, files))
}

/// The PDFs kept in `batch` written, each in its place among the files.
fn write_kept(
    batch: Batch,
    mut files: Vec<ReportFile>,
    options: &BuildOptions,
) -> anyhow::Result<Vec<ReportFile>> {
    let mut written: Vec<_> = batch
        .finish(options.deflate_level, options.threads)
        .into_iter()
        .map(Some)
        .collect();
    for file in &mut files {
        let Some(index) = Batch::pending(&file.bytes) else {
            continue;
        };
        let bytes = written.get_mut(index).and_then(Option::take);
        let bytes = bytes.context("a kept PDF was not written")?;
        file.bytes = bytes.with_context(|| format!("writing {}", file.file_name))?;
    }
    Ok(files)
}

/// One report to build: its name for the managers, and how.
struct Job<'a> {
    label: String,
    build: Box<dyn Fn() -> anyhow::Result<Vec<ReportFile>> + Send + Sync + 'a>,
}

/// What a job gave: its files (or why not), and the characters it drew as 〓.
type JobOutcome = (anyhow::Result<Vec<ReportFile>>, Vec<report::MissingGlyph>);

/// Every report but the summary, built on `threads` threads and recorded in the order
/// of the jobs, so the files, the problems and the 〓 notes are those of a build on
/// one thread. Returns where the summary goes among the files (after the white paper).
fn build_in_parallel(
    build: &mut Builds,
    datasets: &Datasets,
    texts: &ReportTexts,
    edition: &Edition,
    threads: usize,
) -> usize {
    let mut jobs = whole_city_jobs(datasets, texts, edition);
    jobs.extend(department_jobs(datasets, texts, edition));
    let outcomes = run_jobs(&jobs, edition.fonts, threads);
    let mut summary_at = 0;
    for (i, (job, outcome)) in jobs.iter().zip(outcomes).enumerate() {
        build.record(&job.label, outcome);
        if i == 0 {
            summary_at = build.files.len();
        }
    }
    summary_at
}

/// Runs the jobs on up to `threads` threads; the outcomes come back in the order of
/// the jobs.
fn run_jobs(jobs: &[Job], fonts: &FontSet, threads: usize) -> Vec<JobOutcome> {
    report::in_parallel(jobs.iter().collect(), threads, |job: &Job| {
        let files = (job.build)();
        // The characters this thread drew as 〓 are this job's.
        (files, fonts.take_missing())
    })
}

/// The headings and labels of the reports, from `templates/report/`. Each file is read
/// on its own: one that cannot be read fails the reports that print it (each told to
/// the managers), not the others.
struct ReportTexts {
    white_paper: Result<WhitePaperLabels, String>,
    department_plans: Result<report::DepartmentPlanTexts, String>,
    summary: Result<report::SummaryTexts, String>,
}

impl ReportTexts {
    fn load(config: &Config) -> Self {
        let templates = &config.paths.templates;
        let kept = |e: anyhow::Error| format!("{e:#}");
        ReportTexts {
            white_paper: WhitePaperLabels::load(templates).map_err(kept),
            department_plans: report::DepartmentPlanTexts::load(templates).map_err(kept),
            summary: report::SummaryTexts::load(templates).map_err(kept),
        }
    }
}

/// The texts of a report, or why they could not be read, as that report's failure.
fn loaded<T>(texts: &Result<T, String>) -> anyhow::Result<&T> {
    texts.as_ref().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The whole-city reports but the summary, the white paper first (the summary goes
/// after it among the files, as before).
fn whole_city_jobs<'a>(
    datasets: &'a Datasets,
    texts: &'a ReportTexts,
    edition: &'a Edition,
) -> Vec<Job<'a>> {
    let plans = &texts.department_plans;
    vec![
        Job::new("自治体経営白書", move || {
            let labels = loaded(&texts.white_paper)?;
            Ok(vec![report::white_paper_file(datasets, labels, edition)?])
        }),
        Job::new("各部の運営方針と目標", move || {
            Ok(vec![report::booklet_file(
                datasets,
                loaded(plans)?,
                edition,
            )?])
        }),
        Job::new("広報紙「各部の運営方針と目標」", move || {
            Ok(vec![report::newsletter_file(
                datasets,
                loaded(plans)?,
                edition,
            )?])
        }),
        Job::new("白書データ(全庁)", move || {
            Ok(vec![report::workbook_file(datasets, None, edition)?])
        }),
        Job::new("目標指標の達成状況(全庁)", move || {
            report::indicator_files(datasets, edition)
        }),
    ]
}

/// Each department's workbook and report, with its submission's intake findings, in
/// the order of the departments' names, as they always were built: a character drawn
/// as 〓 is told for the first report it is in.
fn department_jobs<'a>(
    datasets: &'a Datasets,
    texts: &'a ReportTexts,
    edition: &'a Edition,
) -> Vec<Job<'a>> {
    let mut by_name: Vec<_> = datasets.submissions.iter().collect();
    by_name.sort_by(|a, b| a.department.cmp(&b.department));
    let job = |submission: &'a Submission| {
        let department = &submission.department;
        Job::new(&format!("{department}の報告書"), move || {
            let notes = intake_notes(submission)?;
            let labels = loaded(&texts.white_paper)?;
            Ok(vec![
                report::workbook_file(datasets, Some(department), edition)?,
                report::department_file(datasets, department, &notes, labels, edition)?,
            ])
        })
    };
    by_name.into_iter().map(job).collect()
}

impl<'a> Job<'a> {
    fn new(
        label: &str,
        build: impl Fn() -> anyhow::Result<Vec<ReportFile>> + Send + Sync + 'a,
    ) -> Self {
        Job {
            label: label.to_string(),
            build: Box::new(build),
        }
    }
}

/// What intake found in a department's submission, as its report prints it.
fn intake_notes(submission: &Submission) -> anyhow::Result<Vec<String>> {
    if let Some(error) = &submission.unreadable_findings {
        anyhow::bail!("受付時の指摘を読めません: {error}");
    }
    let notes = submission.findings.iter();
    Ok(notes.map(|f| format!("受付時の指摘 {f}")).collect())
}

/// The managers' summary, with the problems of the reports built so far, put in its
/// place among the files.
fn build_summary(
    build: &mut Builds,
    config: &Config,
    datasets: &Datasets,
    texts: &ReportTexts,
    edition: &Edition,
    summary_at: usize,
) {
    let problems = build.problems.clone();
    let names: Vec<String> = config.departments.iter().map(|d| d.name.clone()).collect();
    // The summary prints the problems listed so far: only characters not listed yet are news.
    build.list_known_characters_again = false;
    let states = &datasets.states;
    let file = loaded(&texts.summary).and_then(|summary| {
        report::summary_file(datasets, &names, states, summary, &problems, edition)
    });
    let added = build.record(
        "管理者向け要約",
        (file.map(|f| vec![f]), edition.fonts.take_missing()),
    );
    let at = build.files.len() - added;
    let summary: Vec<ReportFile> = build.files.drain(at..).collect();
    build.files.splice(summary_at..summary_at, summary);
}

/// What the managers' summary was built from: the datasets' digest and each
/// department's latest submission state (it prints rejected ones too).
fn summary_inputs(edition: &Edition, datasets: &Datasets) -> String {
    // Sorted: the key must not depend on the order a database returns the rows in.
    let mut states: Vec<String> = datasets.states.iter().map(|s| format!("{s:?}")).collect();
    states.sort();
    let mut with_states = edition.inputs_sha256.clone();
    for state in &states {
        with_states.push_str(&format!("\n{state}"));
    }
    sha256_hex(with_states.as_bytes())
}

/// The reports of one build as they are made, and what went wrong on the way.
struct Builds {
    files: Vec<ReportFile>,
    /// For the managers, in Japanese: each report that failed, each character drawn as 〓.
    problems: Vec<String>,
    /// The characters drawn as 〓 listed so far.
    listed: Vec<char>,
    /// Whether a character already listed for one report is listed again for the next.
    list_known_characters_again: bool,
}

impl Builds {
    fn new() -> Self {
        Builds {
            files: Vec::new(),
            problems: Vec::new(),
            listed: Vec::new(),
            list_known_characters_again: true,
        }
    }

    /// Records the files of one report (`label` names it for the managers) and the
    /// characters it drew as 〓; a failure is logged with its chain and listed, and
    /// stops nothing else. Returns how many files it added.
    fn record(&mut self, label: &str, (outcome, missing): JobOutcome) -> usize {
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
