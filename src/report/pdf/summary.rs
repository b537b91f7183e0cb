//! The manager summary (PDF, A4, one or two pages): where each department's
//! submission stands, the indicators off target, the cross-submission findings, and
//! the changes since last year.

use std::path::Path;

use serde::Deserialize;

use super::page::{save, Align, Canvas, Table, A4_PORTRAIT};
use chrono::DateTime;
use chrono_tz::{Asia::Tokyo, Tz};

use crate::consolidate::{CrossFinding, Datasets, Indicator, Policy};
use crate::domain::japanese::{era_date, era_year_label};
use crate::domain::{Period, Status};
use crate::report::Edition;
use crate::store::SubmissionState;
use crate::texts::{substitute, Values};

const MARGIN: f32 = 40.0;

/// The texts of the summary (`templates/report/summary.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    /// The title (`{{city}} {{fiscal_year}} 白書集計の要約`); also the PDF title.
    pub title: String,
    /// The line dating the summary (`作成 {{built_at}}`).
    pub built: String,
    /// Section 1: each department's submission (`1. 提出状況`).
    pub status_heading: String,
    /// The status table's six column headers (部, 状態, 最新の提出, 受付日時, 誤り, 注意).
    pub status_columns: Vec<String>,
    /// The status of a department with no submission (未提出).
    pub missing: String,
    /// Section 2: indicators behind their target (後退・要注意).
    pub off_target_heading: String,
    /// That table's seven column headers (ID, 指標, 担当部, 中期, 達成値, 目標値, 状態).
    pub off_target_columns: Vec<String>,
    /// Printed when no indicator is behind.
    pub none_off_target: String,
    /// Section 3: disagreements between submissions and what is missing.
    pub findings_heading: String,
    /// Printed when nothing disagrees and nothing is missing.
    pub no_findings: String,
    /// Put before each missing thing (`不足: `).
    pub gap_prefix: String,
    /// Section 4: the changes from the previous fiscal year.
    pub changes_heading: String,
    /// Printed when the previous year has no submission (`{{last_year}}` is its era
    /// year, `令和元`, so the text writes `{{last_year}}年度`).
    pub no_last_year: String,
    /// Older copies of this file named the verdict words here (`accepted`,
    /// `accepted_with_warnings`, `rejected`). They now come from `texts::Verdict`, one
    /// wording everywhere; such a copy still loads, and those three keys are not read.
    #[serde(default, rename = "accepted")]
    _accepted: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "accepted_with_warnings")]
    _accepted_with_warnings: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "rejected")]
    _rejected: Option<serde::de::IgnoredAny>,
    /// The heading of what went wrong building the reports (shown only then).
    #[serde(default = "default_problems_heading")]
    pub problems_heading: String,
}

fn default_problems_heading() -> String {
    "報告書の作成で問題があった点".to_string()
}

impl Texts {
    /// Reads `templates/report/summary.toml`.
    pub fn load(templates: &Path) -> anyhow::Result<Texts> {
        let texts: Texts = crate::report::load_texts(templates, "summary.toml")?;
        anyhow::ensure!(
            texts.status_columns.len() == 6 && texts.off_target_columns.len() == 7,
            "報告書の文言 summary.toml: status_columns には6つ、off_target_columns には7つの見出しが要ります"
        );
        Ok(texts)
    }
}

/// Builds the summary. `states` holds each department's latest submission.
pub fn build(
    datasets: &Datasets,
    departments: &[String],
    states: &[SubmissionState],
    texts: &Texts,
    problems: &[String],
    edition: &Edition,
) -> anyhow::Result<Vec<u8>> {
    let fonts = edition.fonts;
    let values = summary_values(datasets, edition);
    let title = substitute(&texts.title, &values)?;
    let mut canvas = Canvas::new(fonts, A4_PORTRAIT, MARGIN);
    canvas.paragraph(&title, 15.0, 0.0, 1.5)?;
    canvas.paragraph(&substitute(&texts.built, &values)?, 8.0, 0.0, 1.6)?;
    build_problems(&mut canvas, problems, texts)?;
    submission_status(&mut canvas, departments, states, texts)?;
    off_target(&mut canvas, datasets, texts)?;
    findings(&mut canvas, datasets, texts)?;
    changes(
        &mut canvas,
        datasets,
        texts,
        &substitute(&texts.no_last_year, &values)?,
    )?;
    let (pages, used) = canvas.finish();
    let meta = edition.meta(&title, &datasets.city, &title);
    save(fonts, A4_PORTRAIT, pages, &used, &title, 0, &meta)
}

/// The placeholders of the summary's texts: the city, the year, the build time (to the
/// minute, in 和暦) and the previous fiscal year's era and number (`令和元`, so that
/// `{{last_year}}年度` reads 令和元年度, never 2019年度).
fn summary_values(datasets: &Datasets, edition: &Edition) -> Values {
    let built_at = era_date_time(&edition.built_at);
    Values::from([
        ("city", datasets.city.clone()),
        ("fiscal_year", datasets.fiscal_year_label.clone()),
        ("built_at", built_at),
        ("last_year", era_year_label(datasets.fiscal_year - 1)),
    ])
}

/// A time in Tokyo as the summary prints it: `令和3年4月10日 09:00`.
fn era_date_time(at: &DateTime<Tz>) -> String {
    format!("{} {}", era_date(at.date_naive()), at.format("%H:%M"))
}

/// Reports that could not be built and characters printed as 〓, first, since the
/// managers must act on them; nothing when all went well.
fn build_problems(canvas: &mut Canvas, problems: &[String], texts: &Texts) -> anyhow::Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    heading(canvas, &texts.problems_heading)?;
    for line in problems {
        canvas.paragraph(&format!("・{line}"), 8.5, 0.0, 1.5)?;
    }
    Ok(())
}

fn heading(canvas: &mut Canvas, text: &str) -> anyhow::Result<()> {
    canvas.gap(6.0);
    canvas.subheading(text, 11.5, 1.6)
}

/// A row per department, in the configuration's order: its latest submission's
/// state, file, time and counts, or 未提出.
fn submission_status(
    canvas: &mut Canvas,
    departments: &[String],
    states: &[SubmissionState],
    texts: &Texts,
) -> anyhow::Result<()> {
    heading(canvas, &texts.status_heading)?;
    let rows: Vec<Vec<String>> = departments
        .iter()
        .map(|d| match states.iter().find(|s| &s.department == d) {
            Some(s) => status_row(s),
            None => vec![
                d.clone(),
                texts.missing.clone(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
            ],
        })
        .collect();
    let table = Table {
        widths: vec![90.0, 70.0, 165.0, 110.0, 40.0, 40.0],
        align: vec![
            Align::Left,
            Align::Center,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
        ],
        header: texts.status_columns.clone(),
        rows,
        size: 8.0,
    };
    canvas.table(&table)
}

/// The row of a department that submitted: 受理, 受理(要確認) or 差戻し, the file,
/// when it came (to the minute) and how many errors and warnings it had.
fn status_row(s: &SubmissionState) -> Vec<String> {
    let received = DateTime::parse_from_rfc3339(&s.received_at).map_or_else(
        // A time the store holds in another form prints as it is, to the minute.
        |_| {
            s.received_at
                .chars()
                .take(16)
                .collect::<String>()
                .replace('T', " ")
        },
        |at| era_date_time(&at.with_timezone(&Tokyo)),
    );
    vec![
        s.department.clone(),
        s.label().to_string(),
        s.file_name.clone(),
        received,
        s.errors.to_string(),
        s.warnings.to_string(),
    ]
}

/// The indicators that went back (後退) or lag (要注意), 後退 first.
fn off_target(canvas: &mut Canvas, datasets: &Datasets, texts: &Texts) -> anyhow::Result<()> {
    heading(canvas, &texts.off_target_heading)?;
    let rows = off_target_rows(datasets);
    if rows.is_empty() {
        return canvas.paragraph(&texts.none_off_target, 9.0, 8.0, 1.6);
    }
    canvas.paragraph(&crate::domain::status::status_rule_text(), 7.5, 0.0, 1.4)?;
    canvas.gap(2.0);
    let table = Table {
        widths: vec![38.0, 170.0, 62.0, 62.0, 62.0, 80.0, 41.0],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Center,
        ],
        header: texts.off_target_columns.clone(),
        rows,
        size: 7.0,
    };
    canvas.table(&table)
}

/// The indicators off target, as the managers' summary lists them (the PDF, and the
/// managers' page): each that went back (後退) or lags (要注意), 後退 first (they
/// moved away from the target), else in the white paper's order, with its policy.
pub fn off_target_indicators(datasets: &Datasets) -> Vec<(&Policy, &Indicator)> {
    let mut found: Vec<(&Policy, &Indicator)> = datasets
        .white_paper
        .parts
        .iter()
        .flat_map(|p| &p.policies)
        .flat_map(|policy| policy.indicators.iter().map(move |i| (policy, i)))
        .filter(|(_, i)| matches!(i.status, Status::Regressed | Status::Caution))
        .collect();
    // The sort is stable: the white paper's order within each kind.
    found.sort_by_key(|(_, i)| i.status != Status::Regressed);
    found
}

/// ID, name, department, 中期, the year, 目標値 and status of each indicator off target.
fn off_target_rows(datasets: &Datasets) -> Vec<Vec<String>> {
    off_target_indicators(datasets)
        .into_iter()
        .map(|(policy, i)| {
            vec![
                i.id.clone(),
                i.name.clone(),
                policy.department.clone(),
                i.printed(Period::Middle).to_string(),
                i.printed(Period::Actual).to_string(),
                i.printed(Period::Target).to_string(),
                i.status_label.clone(),
            ]
        })
        .collect()
}

fn findings(canvas: &mut Canvas, datasets: &Datasets, texts: &Texts) -> anyhow::Result<()> {
    heading(canvas, &texts.findings_heading)?;
    let mut lines: Vec<String> = datasets.findings.iter().map(finding_line).collect();
    lines.extend(
        datasets
            .gaps
            .iter()
            .map(|g| format!("{}{} {}", texts.gap_prefix, g.department, g.what)),
    );
    if lines.is_empty() {
        lines.push(texts.no_findings.clone());
    }
    for line in lines {
        canvas.paragraph(&format!("・{line}"), 8.5, 0.0, 1.5)?;
    }
    Ok(())
}

/// A disagreement and each place with the value printed there.
fn finding_line(f: &CrossFinding) -> String {
    let places: Vec<String> = f
        .places
        .iter()
        .map(|p| format!("{}「{}」", p.location, p.printed))
        .collect();
    format!("{}({})", f.message, places.join(" / "))
}

/// The changes from the previous fiscal year, or a line saying there is nothing to
/// compare with.
fn changes(
    canvas: &mut Canvas,
    datasets: &Datasets,
    texts: &Texts,
    no_last_year: &str,
) -> anyhow::Result<()> {
    heading(canvas, &texts.changes_heading)?;
    let mut lines = change_lines(datasets);
    if lines.is_empty() {
        lines.push(no_last_year.to_string());
    }
    for line in lines {
        canvas.paragraph(&format!("・{line}"), 8.5, 0.0, 1.5)?;
    }
    Ok(())
}

/// Each indicator whose year's figure differs from the one reported the year before:
/// `1-1.2 指標名: 前年度 → 今年度`.
fn change_lines(datasets: &Datasets) -> Vec<String> {
    let last_year = datasets.fiscal_year - 1;
    let mut lines = Vec::new();
    for i in datasets
        .white_paper
        .parts
        .iter()
        .flat_map(|p| &p.policies)
        .flat_map(|p| &p.indicators)
    {
        let Some(previous) = i.history.iter().find(|h| h.fiscal_year == last_year) else {
            continue;
        };
        let actual = match i.printed(Period::Actual) {
            // An arrow to nothing reads as a slip: say that the year has no figure yet.
            printed if printed.trim().is_empty() => {
                crate::texts::report::NO_FIGURE_THIS_YEAR.to_string()
            }
            printed => printed.to_string(),
        };
        if previous.printed != actual {
            lines.push(format!(
                "{} {}: {} → {actual}",
                i.id, i.name, previous.printed
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::Texts;

    fn shipped() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/report/summary.toml");
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn an_older_copy_naming_the_verdict_words_still_loads() {
        let older = format!(
            "{}\naccepted = \"受理\"\naccepted_with_warnings = \"受理(要確認)\"\nrejected = \"差戻し\"\n",
            shipped()
        );
        let texts: Texts = toml::from_str(&older).unwrap();
        assert_eq!(texts.missing, "未提出");
    }

    #[test]
    fn any_other_unknown_key_is_still_refused() {
        let typo = format!("{}\nmisssing = \"未提出\"\n", shipped());
        let error = toml::from_str::<Texts>(&typo).unwrap_err().to_string();
        assert!(error.contains("misssing"), "{error}");
    }
}
