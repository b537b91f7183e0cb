//! The manager summary (PDF, A4, one or two pages): where each department's
//! submission stands, the indicators off target, the cross-submission findings, and
//! the changes since last year.

use std::path::Path;

use serde::Deserialize;

use super::page::{save, Align, Canvas, Table, A4_PORTRAIT};
use crate::consolidate::Datasets;
use crate::domain::Status;
use crate::report::Edition;
use crate::store::SubmissionState;
use crate::texts::{substitute, Values};

const MARGIN: f32 = 40.0;

/// The texts of the summary (`templates/report/summary.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub title: String,
    pub built: String,
    pub status_heading: String,
    pub status_columns: Vec<String>,
    pub missing: String,
    pub off_target_heading: String,
    pub off_target_columns: Vec<String>,
    pub none_off_target: String,
    pub findings_heading: String,
    pub no_findings: String,
    pub gap_prefix: String,
    pub changes_heading: String,
    pub no_last_year: String,
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
    let values = Values::from([
        ("city", datasets.city.clone()),
        ("fiscal_year", datasets.fiscal_year_label.clone()),
        (
            "built_at",
            edition.built_at.format("%Y年%-m月%-d日 %H:%M").to_string(),
        ),
        ("last_year", (datasets.fiscal_year - 1).to_string()),
    ]);
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
    canvas.ensure_space(50.0);
    canvas.paragraph(text, 11.5, 0.0, 1.6)
}

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
            Some(s) => {
                let received = s
                    .received_at
                    .get(..16)
                    .unwrap_or(&s.received_at)
                    .replace('T', " ");
                vec![
                    d.clone(),
                    s.label().to_string(),
                    s.file_name.clone(),
                    received,
                    s.errors.to_string(),
                    s.warnings.to_string(),
                ]
            }
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
        widths: vec![90.0, 70.0, 170.0, 85.0, 50.0, 50.0],
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

fn off_target(canvas: &mut Canvas, datasets: &Datasets, texts: &Texts) -> anyhow::Result<()> {
    heading(canvas, &texts.off_target_heading)?;
    let mut rows = Vec::new();
    for policy in datasets.white_paper.parts.iter().flat_map(|p| &p.policies) {
        for i in policy
            .indicators
            .iter()
            .filter(|i| matches!(i.status, Status::Regressed | Status::Caution))
        {
            rows.push(vec![
                i.id.clone(),
                i.name.clone(),
                policy.department.clone(),
                i.cells[2].printed.clone(),
                i.cells[3].printed.clone(),
                i.cells[4].printed.clone(),
                i.status_label.clone(),
            ]);
        }
    }
    // 後退 first: they moved away from the target.
    rows.sort_by_key(|r| {
        if r[6] == Status::Regressed.label() {
            0
        } else {
            1
        }
    });
    if rows.is_empty() {
        return canvas.paragraph(&texts.none_off_target, 9.0, 8.0, 1.6);
    }
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

fn findings(canvas: &mut Canvas, datasets: &Datasets, texts: &Texts) -> anyhow::Result<()> {
    heading(canvas, &texts.findings_heading)?;
    let mut lines: Vec<String> = datasets
        .findings
        .iter()
        .map(|f| {
            let places: Vec<String> = f
                .places
                .iter()
                .map(|p| format!("{}「{}」", p.location, p.printed))
                .collect();
            format!("{}({})", f.message, places.join(" / "))
        })
        .collect();
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

fn changes(
    canvas: &mut Canvas,
    datasets: &Datasets,
    texts: &Texts,
    no_last_year: &str,
) -> anyhow::Result<()> {
    heading(canvas, &texts.changes_heading)?;
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
        if previous.printed != i.cells[3].printed {
            lines.push(format!(
                "{} {}: {} → {}",
                i.id, i.name, previous.printed, i.cells[3].printed
            ));
        }
    }
    if lines.is_empty() {
        lines.push(no_last_year.to_string());
    }
    for line in lines {
        canvas.paragraph(&format!("・{line}"), 8.5, 0.0, 1.5)?;
    }
    Ok(())
}
