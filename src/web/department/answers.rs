//! The answers to an upload that made no new submission: a workbook that is not the
//! department's to submit (refused, not recorded), and bytes the department sent
//! before (its earlier submission, named as such, and where it stands now).

use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::pages::{findings_section, verdict_badge};
use crate::intake::FileReport;
use crate::store::HistoryEntry;
use crate::texts::Verdict;
use crate::web::auth::Signed;
use crate::web::on_store;
use crate::web::page::{badge, tokyo_time, Refusal};

/// An upload refused without being recorded (a workbook of another department): the
/// findings say why, with the sheet and the cell; nothing of another's submission.
pub fn refused(signed: &Signed, report: &FileReport) -> Response {
    let main = html! {
        section.verdict {
            p.lead { (verdict_badge(report.verdict())) " このファイルは受け付けられませんでした。提出としては記録していません。" }
            dl { dt { "ファイル" } dd { (report.file_name) } }
        }
        (findings_section(&report.findings))
        p { "自分の部の提出用ブック(提出のページのテンプレート)に記入して、もう一度提出してください。" }
        (back(signed))
    };
    signed.page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "受け付けられないファイルです",
        main,
    )
}

/// An upload of a year whose collection is closed, refused without being recorded:
/// the finding says so and whom to ask; nothing to fix in the workbook.
pub fn closed(signed: &Signed, report: &FileReport) -> Response {
    let told = report.findings.first().map(|f| f.message.as_str());
    let main = html! {
        section.verdict {
            p.lead { (badge("sent-back", "受付終了")) " " (told.unwrap_or_default()) }
            dl { dt { "ファイル" } dd { (report.file_name) } }
            p { "このファイルは提出として記録していません。受付が再開されたときは、同じファイルをもう一度提出できます。" }
        }
        (back(signed))
    };
    signed.page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "提出の受付は終了しました",
        main,
    )
}

/// The department's earlier submission `id` and its latest of the year.
struct SentBefore {
    earlier: HistoryEntry,
    latest: Option<HistoryEntry>,
}

/// Bytes the department sent before: not a new submission. The page names the earlier
/// one (a link to it) and the department's state now, which the earlier one may not be.
pub async fn sent_before(signed: &Signed, department: &str, id: i64) -> Result<Response, Refusal> {
    let department = department.to_string();
    let found = on_store(&signed.app, move |app, store| {
        let config = app.config();
        let code = &config.city.code;
        let Some(earlier) = store.department_submission(code, &department, id)? else {
            return Ok(None);
        };
        let year = Some(config.fiscal_year());
        let history = store.department_history(code, &department, year)?;
        let latest = history.into_iter().max_by_key(|e| e.id);
        Ok(Some(SentBefore { earlier, latest }))
    })
    .await?;
    let found = found.ok_or_else(Refusal::not_found)?;
    let main = sent_before_main(signed.city_code(), &found);
    Ok(signed.page(StatusCode::OK, "以前に提出したファイルです", main))
}

fn sent_before_main(code: &str, found: &SentBefore) -> Markup {
    let earlier = &found.earlier;
    html! {
        section.verdict {
            p.lead {
                "このファイルは "
                a href={ "/" (code) "/submissions/" (earlier.id) } { "提出#" (earlier.id) }
                "(" (tokyo_time(&earlier.received_at)) " 受付、" (earlier.verdict().short_label()) ")と同じ内容で、すでに受け付けています。新しい提出にはなりません。"
            }
            (state_now(code, found))
        }
        (back_code(code))
    }
}

/// Where the department stands now, and what to do.
fn state_now(code: &str, found: &SentBefore) -> Markup {
    let Some(latest) = &found.latest else {
        return html! { p { "今年度の提出はまだありません。今年度の提出用ブックを提出してください。" } };
    };
    let verdict = latest.verdict();
    let advice = match (latest.id == found.earlier.id, verdict) {
        (true, Verdict::SentBack) => {
            "この提出が現在の提出で、差し戻されています。直したブックを提出してください。"
        }
        (false, Verdict::SentBack) => "差し戻された点を直したブックを提出してください。",
        (true, _) => "この提出が現在の提出です。直すときは、直したブックを提出してください。",
        (false, _) => {
            "現在の提出はこの提出より後のものです。直すときは、直したブックを提出してください。"
        }
    };
    html! {
        p {
            "現在の状態: " (verdict_badge(verdict)) " ("
            a href={ "/" (code) "/submissions/" (latest.id) } { "提出#" (latest.id) }
            ")"
        }
        p { (advice) }
    }
}

fn back(signed: &Signed) -> Markup {
    back_code(signed.city_code())
}

fn back_code(code: &str) -> Markup {
    html! { p { a href={ "/" (code) "/department" } { "提出のページへ戻る" } } }
}
