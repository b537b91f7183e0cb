//! The manager summary (PDF, A4, one or two pages): where each department's
//! submission stands, the indicators off target, the cross-submission findings, and
//! the changes since last year.

use super::page::{save, Align, Canvas, Meta, Table, A4_PORTRAIT};
use super::text::FontSet;
use crate::consolidate::Datasets;
use crate::domain::Status;
use crate::store::SubmissionState;

const MARGIN: f32 = 40.0;

/// Builds the summary. `states` holds each department's latest submission.
pub fn build(
    datasets: &Datasets,
    departments: &[String],
    states: &[SubmissionState],
    fonts: &FontSet,
    built_at: chrono::DateTime<chrono_tz::Tz>,
) -> anyhow::Result<Vec<u8>> {
    let title = format!(
        "{} {} 白書集計の要約",
        datasets.city, datasets.fiscal_year_label
    );
    let mut canvas = Canvas::new(fonts, A4_PORTRAIT, MARGIN);
    canvas.paragraph(&title, 15.0, 0.0, 1.5)?;
    canvas.paragraph(
        &format!("作成 {}", built_at.format("%Y年%-m月%-d日 %H:%M")),
        8.0,
        0.0,
        1.6,
    )?;
    submission_status(&mut canvas, departments, states)?;
    off_target(&mut canvas, datasets)?;
    findings(&mut canvas, datasets)?;
    changes(&mut canvas, datasets)?;
    let (pages, used) = canvas.finish();
    let digest = crate::intake::sha256_hex(crate::export::to_json(datasets)?.as_bytes());
    let meta = Meta {
        title: &title,
        author: &datasets.city,
        subject: &title,
        keywords: vec![format!("inputs-sha256:{digest}")],
        built_at: built_at.timestamp(),
    };
    save(fonts, A4_PORTRAIT, pages, &used, &title, 0, &meta)
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
) -> anyhow::Result<()> {
    heading(canvas, "1. 提出状況")?;
    let rows: Vec<Vec<String>> = departments
        .iter()
        .map(|d| match states.iter().find(|s| &s.department == d) {
            Some(s) => {
                let state = match (s.accepted, s.warnings) {
                    (false, _) => "差戻し",
                    (true, 0) => "受理",
                    (true, _) => "受理(要確認)",
                };
                let received = s
                    .received_at
                    .get(..16)
                    .unwrap_or(&s.received_at)
                    .replace('T', " ");
                vec![
                    d.clone(),
                    state.to_string(),
                    s.file_name.clone(),
                    received,
                    s.errors.to_string(),
                    s.warnings.to_string(),
                ]
            }
            None => vec![
                d.clone(),
                "未提出".to_string(),
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
        header: ["部", "状態", "最新の提出", "受付日時", "誤り", "注意"]
            .map(String::from)
            .to_vec(),
        rows,
        size: 8.0,
    };
    canvas.table(&table)
}

fn off_target(canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
    heading(canvas, "2. 目標に対して遅れている指標(後退・要注意)")?;
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
        return canvas.paragraph("該当する指標はありません。", 9.0, 8.0, 1.6);
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
        header: ["ID", "指標", "担当部", "中期", "達成値", "目標値", "状態"]
            .map(String::from)
            .to_vec(),
        rows,
        size: 7.0,
    };
    canvas.table(&table)
}

fn findings(canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
    heading(canvas, "3. 提出間の照合と不足")?;
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
            .map(|g| format!("不足: {} {}", g.department, g.what)),
    );
    if lines.is_empty() {
        lines.push("食い違いや不足はありません。".to_string());
    }
    for line in lines {
        canvas.paragraph(&format!("・{line}"), 8.5, 0.0, 1.5)?;
    }
    Ok(())
}

fn changes(canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
    heading(canvas, "4. 前年度からの変化")?;
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
        lines.push(format!(
            "前年度({}年度)の提出がないため、比較できる値はありません。",
            last_year
        ));
    }
    for line in lines {
        canvas.paragraph(&format!("・{line}"), 8.5, 0.0, 1.5)?;
    }
    Ok(())
}
