//! The department's pages: its page of the year, and one submission's answer. Every
//! text taken from a workbook or a file name is escaped (maud escapes every `(value)`).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use maud::{html, Markup};

use super::deadline::{date_label, days_left};
use super::{department_of, submission_id};
use crate::app::App;
use crate::domain::{Finding, FiscalYear};
use crate::intake::collection;
use crate::mail::receipts;
use crate::report::index::{read_indexes, ReportIndex};
use crate::store::{HistoryEntry, Store, SubmissionState};
use crate::texts::{self, Verdict};
use crate::web::auth::Signed;
use crate::web::on_store;
use crate::web::overview::Standing;
use crate::web::page::{badge, csrf_field, table, tokyo_time, Refusal};

/// What the department's page shows, read from the store and the reports' indexes.
struct DepartmentView {
    department: String,
    fiscal_year: FiscalYear,
    deadline: Option<NaiveDate>,
    today: NaiveDate,
    latest: Option<SubmissionState>,
    history: Vec<HistoryEntry>,
    reports: Vec<ReportIndex>,
    /// Whether the year's collection is closed (no upload form then).
    closed: bool,
}

impl DepartmentView {
    fn load(app: &App, store: &mut Store, department: String) -> anyhow::Result<DepartmentView> {
        let config = app.config();
        let (code, fiscal_year) = (&config.city.code, config.fiscal_year());
        let latest = store.latest_by_department(code, fiscal_year)?;
        Ok(DepartmentView {
            latest: latest.into_iter().find(|s| s.department == department),
            history: store.department_history(code, &department, None)?,
            reports: read_indexes(&config.paths.reports),
            closed: collection::is_closed(store, code, fiscal_year)?,
            deadline: config.submission.deadline.map(|d| d.0),
            today: app.clock().tokyo().date_naive(),
            fiscal_year,
            department,
        })
    }
}

/// `GET /{city}/department`.
pub async fn department_page(signed: Signed) -> Result<Response, Refusal> {
    let department = department_of(&signed)?.to_string();
    let view = on_store(&signed.app, move |app, store| {
        DepartmentView::load(app, store, department)
    })
    .await?;
    let title = format!("{}の提出", view.department);
    let main = html! {
        (year_summary(&view))
        (template_and_upload(&signed, &view))
        (history_section(signed.city_code(), &view.history))
        (reports_section(signed.city_code(), &view))
    };
    Ok(signed.page(StatusCode::OK, &title, main))
}

fn year_summary(view: &DepartmentView) -> Markup {
    let standing = Standing::of(view.latest.as_ref(), view.deadline, view.today);
    html! {
        section.summary {
            h2 { (view.fiscal_year.to_string()) "の提出" }
            dl {
                dt { "提出期限" }
                dd { @match view.deadline { Some(d) => (date_label(d)), None => "なし" } }
                dt { "残り" }
                dd.days { (days_left(view.deadline, view.today)) }
                dt { "状態" }
                dd { (standing.badge()) }
                dt { "受付" }
                dd { @if view.closed { (badge("sent-back", "受付終了")) } @else { (badge("accepted", "受付中")) } }
            }
        }
    }
}

/// The template's link, and the upload form while the year's collection is open.
fn template_and_upload(signed: &Signed, view: &DepartmentView) -> Markup {
    let code = signed.city_code();
    html! {
        section {
            h2 { "提出用ブック" }
            p { a.download href={ "/" (code) "/template" } { "今年度の提出用ブック(記入済みの項目つき)をダウンロード" } }
            @if view.closed {
                p.notice.closed role="status" { (texts::intake::collection_closed(view.fiscal_year)) "。" }
            } @else { (upload_form(signed)) }
        }
    }
}

fn upload_form(signed: &Signed) -> Markup {
    let code = signed.city_code();
    html! {
            form.dropzone method="post" action={ "/" (code) "/upload" } enctype="multipart/form-data" {
                (csrf_field(&signed.csrf))
                label for="file" { "記入したブックを選んでください(xlsx, xlsm, xls, ods)" }
                p.drop-hint hidden { "この枠にブックをドラッグ&ドロップしても提出できます。" }
                // Filled by upload.js when a drop cannot be sent (several files at once).
                p.notice.error.drop-error role="alert" hidden {}
                input #file type="file" name="file" required accept=".xlsx,.xlsm,.xls,.ods";
                button type="submit" { "提出する" }
            }
    }
}

fn history_section(code: &str, history: &[HistoryEntry]) -> Markup {
    let headings = [
        "提出",
        "年度",
        "ファイル",
        "提出した人",
        "受付日時",
        "結果",
        "原本",
    ];
    let rows = history.iter().map(|e| history_row(code, e));
    html! {
        section {
            h2 { "提出の履歴" }
            @if history.is_empty() { p { "まだ提出はありません。" } }
            @else { (table(&headings, rows)) }
        }
    }
}

fn history_row(code: &str, entry: &HistoryEntry) -> Vec<Markup> {
    let page = format!("/{code}/submissions/{}", entry.id);
    vec![
        html! { a.nowrap href=(page) { "提出#" (entry.id) } },
        html! { span.nowrap { @match entry.fiscal_year { Some(y) => (y.to_string()), None => "—" } } },
        html! { a href=(page) { (entry.file_name) } },
        html! { (uploader(entry)) },
        html! { span.nowrap { (tokyo_time(&entry.received_at)) } },
        verdict_badge(entry.verdict()),
        html! { a.nowrap href={ (page) "/original" } { "ダウンロード" } },
    ]
}

/// Who sent a version: the signed-in address, or the shared folder for the inbox's.
pub fn uploader(entry: &HistoryEntry) -> &str {
    entry.uploaded_by.as_deref().unwrap_or("受付フォルダー")
}

/// The verdict as a coloured badge.
pub fn verdict_badge(verdict: Verdict) -> Markup {
    let class = match verdict {
        Verdict::Accepted => "accepted",
        Verdict::AcceptedWithWarnings => "noted",
        Verdict::SentBack | Verdict::AlreadyReceived => "sent-back",
    };
    badge(class, verdict.short_label())
}

fn reports_section(code: &str, view: &DepartmentView) -> Markup {
    let own: Vec<(i32, &str)> = view
        .reports
        .iter()
        .rev()
        .flat_map(|i| {
            i.of_department(&view.department)
                .map(move |f| (i.fiscal_year, f))
        })
        .collect();
    html! {
        section {
            h2 { "報告書" }
            @if own.is_empty() { p { "まだ報告書はありません(集計の後にここに出ます)。" } }
            ul { @for (year, file) in &own {
                li { a href={ "/" (code) "/reports/" (year) "/" (url_part(file)) } { (file) } }
            } }
        }
    }
}

/// A file name as one part of a path in a link.
fn url_part(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `GET /{city}/submissions/{id}`: the verdict, each finding as a row, the downloads.
pub async fn submission_page(
    signed: Signed,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let department = department_of(&signed)?.to_string();
    let id = submission_id(&id)?;
    let found = on_store(&signed.app, move |app, store| {
        let code = &app.config().city.code;
        let entry = store.department_submission(code, &department, id)?;
        entry
            .map(|e| SubmissionView::load(app, store, e))
            .transpose()
    })
    .await?;
    let view = found.ok_or_else(Refusal::not_found)?;
    let base = format!("/{}/submissions/{}", signed.city_code(), view.entry.id);
    let main = html! {
        (view.main(&base))
        p { a href={ "/" (signed.city_code()) "/department" } { "提出のページへ戻る" } }
    };
    Ok(signed.page(StatusCode::OK, &view.title(), main))
}

/// One version as its page shows it: the version, its findings, and whether its
/// receipt attached an annotated copy. The department's page and the planning
/// division's console both show a submission through this.
pub struct SubmissionView {
    /// The version.
    pub entry: HistoryEntry,
    /// What was found in it, in order.
    pub findings: Vec<Finding>,
    /// Whether the annotated copy (`_要修正.xlsx`) is in the archive.
    pub annotated: bool,
}

impl SubmissionView {
    /// The version's findings and annotated copy, read for `entry`.
    pub fn load(app: &App, store: &Store, entry: HistoryEntry) -> anyhow::Result<SubmissionView> {
        let findings = store.findings_of(entry.id)?;
        let annotated = receipts::annotated_path(app.config(), &entry.sha256).is_file();
        Ok(SubmissionView {
            entry,
            findings,
            annotated,
        })
    }

    /// The page's title: `提出#3 の結果`.
    pub fn title(&self) -> String {
        format!("提出#{} の結果", self.entry.id)
    }

    /// The verdict, the findings (each row anchored `#f1`, `#f2`, …) and the downloads,
    /// which are under `base` (the page's own path: `…/original`, `…/annotated`).
    pub fn main(&self, base: &str) -> Markup {
        html! {
            (verdict_section(&self.entry, self.annotated))
            (findings_section(&self.findings))
            (downloads(base, &self.entry, self.annotated))
        }
    }
}

fn verdict_section(entry: &HistoryEntry, annotated: bool) -> Markup {
    let verdict = entry.verdict();
    html! {
        section.verdict {
            p.lead { (verdict_badge(verdict)) " " (explanation(verdict, annotated)) }
            dl {
                dt { "ファイル" } dd { (entry.file_name) }
                dt { "受付日時" } dd { (tokyo_time(&entry.received_at)) }
                dt { "提出した人" } dd { (uploader(entry)) }
            }
        }
    }
}

fn explanation(verdict: Verdict, annotated: bool) -> &'static str {
    match (verdict, annotated) {
        (Verdict::Accepted, _) => "受け付けました。誤りは見つかりませんでした。",
        (Verdict::AcceptedWithWarnings, _) => "受け付けました。下の表の点を確かめてください。直すときは、直したブックをもう一度提出してください。",
        (_, true) => "受け付けられませんでした。下の表の誤りを直して、もう一度提出してください。誤りのあるセルに色とコメントを付けたブックをダウンロードできます。",
        (_, false) => "受け付けられませんでした。下の表の誤りを直して、もう一度提出してください。",
    }
}

/// The findings of a submission's page, each row anchored (`id="f1"`, …).
pub(super) fn findings_section(findings: &[Finding]) -> Markup {
    html! {
        section.findings {
            h2 { "見つかった点" }
            @if findings.is_empty() { p { "ありません。" } }
            @else { (findings_table(findings, None)) }
        }
    }
}

/// The anchor of a submission's `n`-th finding (from 1) on its page: `f3`.
pub fn finding_anchor(n: usize) -> String {
    format!("f{n}")
}

/// The findings as a table: kind, sheet, cell, what was found and expected. On the
/// submission's own page (`page` `None`) each row carries its anchor; elsewhere
/// (`Some(page)`) each cell links to that row on the submission's page.
pub fn findings_table(findings: &[Finding], page: Option<&str>) -> Markup {
    let headings = ["種類", "シート", "セル", "見つかった内容と、期待される内容"];
    html! {
        table {
            thead { tr { @for heading in headings { th scope="col" { (heading) } } } }
            tbody { @for (i, f) in findings.iter().enumerate() {
                @let anchor = finding_anchor(i + 1);
                @let cell = f.cell.as_deref().unwrap_or("—");
                tr id=[page.is_none().then_some(&anchor)] {
                    td { span.nowrap { (f.severity.label()) } }
                    td { span.nowrap { (f.sheet.as_deref().unwrap_or("—")) } }
                    td { @match page {
                        Some(page) => a.nowrap href={ (page) "#" (anchor) } { (cell) },
                        None => span.nowrap { (cell) },
                    } }
                    td { (f.message) }
                }
            } }
        }
    }
}

fn downloads(base: &str, entry: &HistoryEntry, annotated: bool) -> Markup {
    html! {
        section {
            h2 { "ダウンロード" }
            ul {
                @if annotated {
                    li { a.download href={ (base) "/annotated" } { (receipts::annotated_name(&entry.file_name)) } " (誤りに印を付けたブック)" }
                }
                li { a href={ (base) "/original" } { (entry.file_name) } " (提出したファイル)" }
            }
        }
    }
}
