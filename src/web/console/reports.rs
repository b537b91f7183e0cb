//! The console's reports: every year's files as its index lists them, each to
//! download, and a year rebuilt through the same code as `hakusho build`
//! ([`build_year`]), showing what changed since the build before. Which file is served
//! is always found in the year's index, never taken from the URL as a path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path as FsPath, PathBuf};
use std::sync::Mutex;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;

use super::{console_page, planning_only};
use crate::app::App;
use crate::domain::{printable, FiscalYear};
use crate::report::changes::short_hash;
use crate::report::index::{read_indexes, IndexedFile, ReportIndex, UsedSubmission};
use crate::report::year::{build_year, Change, Changes, DepartmentChange, Rebuilt};
use crate::web::auth::{check_csrf, Signed, FORM_EXPIRED};
use crate::web::department::files::{indexed_year, send_listed};
use crate::web::page::{badge, csrf_field, see_other, table, tokyo_time, Refusal};
use crate::web::Web;

/// The routes of the reports' part of the console.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/{city}/console/reports", get(list))
        .route(
            "/{city}/console/reports/{year}/rebuild",
            post(rebuild).get(outcome),
        )
        .route("/{city}/console/reports/{year}/{file}", get(file))
}

/// Which year of which city: its code, its reports folder (the files a build writes)
/// and the year.
type YearKey = (String, PathBuf, i32);

/// The years being rebuilt in this process: a second press while one runs is told so
/// instead of building again beside it.
static BUILDING: Mutex<BTreeSet<YearKey>> = Mutex::new(BTreeSet::new());

/// The last rebuild of each city's year in this process: what it did, or why it
/// failed (in the build's own words).
static OUTCOMES: Mutex<BTreeMap<YearKey, Result<Rebuilt, String>>> = Mutex::new(BTreeMap::new());

/// A year's rebuild in progress; the year is free again when it is dropped.
#[derive(Debug)]
pub struct Building {
    key: YearKey,
}

impl Building {
    /// Marks `app`'s `year` as being rebuilt; `None` when it is already.
    pub fn claim(app: &App, year: FiscalYear) -> Option<Building> {
        let key = key_of(app, year);
        let mut building = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
        // Not `then_some`: it would make (and drop, freeing the year) a Building
        // when the year is taken, under this very lock.
        if building.insert(key.clone()) {
            Some(Building { key })
        } else {
            None
        }
    }

    /// Whether `app`'s `year` is being rebuilt now.
    pub fn running(app: &App, year: FiscalYear) -> bool {
        let building = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
        building.contains(&key_of(app, year))
    }

    /// Keeps the rebuild's outcome for its result page, before the year is freed.
    fn finish(self, outcome: Result<Rebuilt, String>) {
        let mut outcomes = OUTCOMES.lock().unwrap_or_else(|e| e.into_inner());
        outcomes.insert(self.key.clone(), outcome);
    }
}

/// The key of `app`'s `year`.
fn key_of(app: &App, year: FiscalYear) -> YearKey {
    let config = app.config();
    let folder = config.paths.reports.clone();
    (config.city.code.clone(), folder, year.start_year())
}

/// The outcome of the last rebuild of `app`'s `year` in this process.
fn last_outcome(app: &App, year: FiscalYear) -> Option<Result<Rebuilt, String>> {
    let outcomes = OUTCOMES.lock().unwrap_or_else(|e| e.into_inner());
    outcomes.get(&key_of(app, year)).cloned()
}

impl Drop for Building {
    fn drop(&mut self) {
        let mut building = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
        building.remove(&self.key);
    }
}

/// A year's file as the list shows it: the index's line, its size and when it was
/// made (from the file itself when an older index does not say).
struct Listed {
    file: IndexedFile,
    size: Option<u64>,
    built_at: Option<String>,
}

/// `GET /{city}/console/reports`: every year, newest first, with its files.
async fn list(signed: Signed) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let dir = signed.app.config().paths.reports.clone();
    let years = tokio::task::spawn_blocking(move || listed_years(&dir))
        .await
        .map_err(anyhow::Error::from)?;
    let main = html! {
        p { "各年度の報告書です。ファイル名を押すとダウンロードします。「再作成」は保存されている提出から、その年度の報告書を作り直します(メールは送りません)。" }
        @if years.is_empty() {
            p class="notice" { "まだ報告書が作成されていません。年次処理を実行すると、ここに並びます。" }
        }
        @for (index, files) in years.iter().rev() {
            (year_section(&signed, index, files))
        }
    };
    Ok(console_page(
        &signed,
        StatusCode::OK,
        "/reports",
        "報告書",
        main,
    ))
}

/// Every year's index under `dir` with its files' sizes and times.
fn listed_years(dir: &FsPath) -> Vec<(ReportIndex, Vec<Listed>)> {
    read_indexes(dir)
        .into_iter()
        .map(|index| {
            let folder = dir.join(FiscalYear(index.fiscal_year).to_string());
            let files = index
                .files
                .iter()
                .map(|f| listed(&folder, &index, f))
                .collect();
            (index, files)
        })
        .collect()
}

/// A file's line: the index's size and build time, else the file's own.
fn listed(folder: &FsPath, index: &ReportIndex, file: &IndexedFile) -> Listed {
    let metadata = std::fs::metadata(folder.join(&file.file_name)).ok();
    let modified = metadata.as_ref().and_then(|m| m.modified().ok());
    let modified = modified.map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339());
    Listed {
        file: file.clone(),
        size: file.size.or(metadata.map(|m| m.len())),
        built_at: index.built_at.clone().or(modified),
    }
}

/// One year: its heading, when it was built, the rebuild button and its files.
fn year_section(signed: &Signed, index: &ReportIndex, files: &[Listed]) -> Markup {
    let city = signed.city_code();
    let year = FiscalYear(index.fiscal_year);
    let rows = files.iter().map(|l| file_row(city, index.fiscal_year, l));
    html! {
        section class="report-year" {
            h2 { (year.to_string()) " (" (index.fiscal_year) "年度)" }
            p {
                "最終作成: " (index.built_at.as_deref().map_or("記録なし".to_string(), tokyo_time))
                " ・ " (files.len()) " 件"
            }
            form method="post" action={ "/" (city) "/console/reports/" (index.fiscal_year) "/rebuild" } {
                (csrf_field(&signed.csrf))
                button type="submit" { (year.to_string()) "の報告書を再作成" }
            }
            (table(&["ファイル", "対象", "大きさ", "作成日時"], rows))
        }
    }
}

/// A file's row: its name as a download link, who it is for, size and time.
fn file_row(city: &str, year: i32, listed: &Listed) -> Vec<Markup> {
    let name = &listed.file.file_name;
    vec![
        html! { a class="download" href=(file_href(city, year, name)) { (name) } },
        html! { (listed.file.audience()) },
        html! { span class="nowrap" { (listed.size.map_or("不明".to_string(), size_text)) } },
        html! { span class="nowrap" { (listed.built_at.as_deref().map_or(String::new(), tokyo_time)) } },
    ]
}

/// The download address of a year's file, the name percent-encoded.
fn file_href(city: &str, year: i32, name: &str) -> String {
    let set = percent_encoding::NON_ALPHANUMERIC;
    let name = percent_encoding::utf8_percent_encode(name, set);
    format!("/{city}/console/reports/{year}/{name}")
}

/// A size as people read it: 812 バイト, 34.5 KB, 1.2 MB.
fn size_text(bytes: u64) -> String {
    // Precision is not the point: a size to the first decimal.
    #[allow(clippy::cast_precision_loss)]
    let value = bytes as f64;
    match bytes {
        0..1_000 => format!("{bytes} バイト"),
        1_000..1_000_000 => format!("{:.1} KB", value / 1_000.0),
        _ => format!("{:.1} MB", value / 1_000_000.0),
    }
}

/// `GET /{city}/console/reports/{year}/{file}`: a file the year's index lists.
async fn file(
    signed: Signed,
    Path((_, year, file)): Path<(String, String, String)>,
) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    send_listed(&signed, &year, &file, |_| true).await
}

/// The rebuild form: its token only.
#[derive(Debug, Default, Deserialize)]
struct RebuildForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /{city}/console/reports/{year}/rebuild`: the year built again from the store
/// (no mail) in the background, and a 303 to its result page, which says it is running
/// until it is done (minutes on a large year: no browser waits for it); a year already
/// being rebuilt is told so and not built again.
async fn rebuild(
    signed: Signed,
    Path((_, year)): Path<(String, String)>,
    form: Result<Form<RebuildForm>, FormRejection>,
) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let form = form.map_err(|_| Refusal::forbidden(FORM_EXPIRED))?;
    check_csrf(&signed, &form.csrf)?;
    let (year, _) = indexed_year(&signed, &year)?;
    let Some(building) = Building::claim(&signed.app, year) else {
        return Ok(busy(&signed, year));
    };
    tracing::info!(city = %signed.city_code(), year = year.start_year(), address = %printable(&signed.address), "報告書の再作成を始めました");
    tokio::spawn(run_build(signed.app.clone(), year, building));
    let city = signed.city_code();
    Ok(see_other(&format!(
        "/{city}/console/reports/{}/rebuild",
        year.start_year()
    )))
}

/// The build on a blocking thread and a connection of its own; its outcome is kept
/// for the result page before the year is freed.
async fn run_build(app: App, year: FiscalYear, building: Building) {
    let code = app.config().city.code.clone();
    let work = tokio::task::spawn_blocking(move || {
        let store = app.store().separate()?;
        let config = app.config();
        build_year(
            config,
            &store,
            year,
            &config.paths.reports,
            app.build_time(),
        )
    });
    let outcome = match work.await.map_err(anyhow::Error::from) {
        Ok(Ok(rebuilt)) => Ok(rebuilt),
        Ok(Err(error)) | Err(error) => Err(format!("{error:#}")),
    };
    match &outcome {
        Ok(rebuilt) => {
            tracing::info!(city = %code, year = year.start_year(), files = rebuilt.written.len(), "報告書を再作成しました")
        }
        Err(error) => {
            tracing::error!(city = %code, year = year.start_year(), "報告書を再作成できませんでした: {error}")
        }
    }
    building.finish(outcome);
}

/// `GET /{city}/console/reports/{year}/rebuild`: the year's rebuild: running, or what
/// the last one in this process did.
async fn outcome(
    signed: Signed,
    Path((_, year)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let (year, _) = indexed_year(&signed, &year)?;
    if Building::running(&signed.app, year) {
        return Ok(running(&signed, year));
    }
    Ok(match last_outcome(&signed.app, year) {
        Some(Ok(rebuilt)) => rebuilt_page(&signed, &rebuilt),
        Some(Err(error)) => failed(&signed, year, &error),
        None => no_outcome(&signed, year),
    })
}

/// The result page while the build runs.
fn running(signed: &Signed, year: FiscalYear) -> Response {
    let city = signed.city_code();
    let here = format!("/{city}/console/reports/{}/rebuild", year.start_year());
    let main = html! {
        p class="notice" role="status" { (year.to_string()) "の報告書を作成し直しています。数分かかることがあります。" }
        p { a href=(here) { "表示を更新する" } " ・ " a href={ "/" (city) "/console/reports" } { "報告書の一覧へ戻る" } }
    };
    console_page(
        signed,
        StatusCode::OK,
        "/reports",
        "報告書を作成中です",
        main,
    )
}

/// The result page when this process has not rebuilt the year.
fn no_outcome(signed: &Signed, year: FiscalYear) -> Response {
    let main = html! {
        p class="notice" { (year.to_string()) "の報告書は、このサーバーではまだ作成し直していません。一覧の「再作成」から始めてください。" }
        p { a href={ "/" (signed.city_code()) "/console/reports" } { "報告書の一覧へ戻る" } }
    };
    console_page(signed, StatusCode::OK, "/reports", "報告書の再作成", main)
}

/// The answer to a press while the year is being rebuilt.
fn busy(signed: &Signed, year: FiscalYear) -> Response {
    let main = html! {
        p class="notice" { (year.to_string()) "の報告書はいま作成し直しているところです。終わるまで数分かかることがあります。終わってから報告書の一覧を開き直してください。" }
        p { a href={ "/" (signed.city_code()) "/console/reports" } { "報告書の一覧へ戻る" } }
    };
    console_page(
        signed,
        StatusCode::CONFLICT,
        "/reports",
        "報告書を作成中です",
        main,
    )
}

/// The answer when the build failed: what went wrong, in the build's own words.
fn failed(signed: &Signed, year: FiscalYear, error: &str) -> Response {
    let main = html! {
        p class="notice error" { (year.to_string()) "の報告書を作成し直せませんでした。前回の報告書はそのまま残っています。" }
        p { "原因: " (error) }
        p { a href={ "/" (signed.city_code()) "/console/reports" } { "報告書の一覧へ戻る" } }
    };
    let status = StatusCode::INTERNAL_SERVER_ERROR;
    console_page(
        signed,
        status,
        "/reports",
        "報告書を作成できませんでした",
        main,
    )
}

/// What a rebuild did: the files written, what changed in the inputs and the files.
fn rebuilt_page(signed: &Signed, rebuilt: &Rebuilt) -> Response {
    let (city, year) = (signed.city_code(), rebuilt.fiscal_year);
    let changes = &rebuilt.changes;
    let main = html! {
        p class="notice" {
            (year.to_string()) "の報告書を作成し直しました(" (rebuilt.written.len()) " 件)。メールは送っていません。"
        }
        (problems(&rebuilt.problems))
        h2 { (changes.heading()) }
        (summary(changes))
        h3 { "入力" }
        (table(&["入力", "比較", "前回", "今回"], input_rows(changes)))
        h3 { "報告書" }
        (table(&["ファイル", "対象", "比較"], file_rows(city, year.start_year(), changes)))
        p { a href={ "/" (city) "/console/reports" } { "報告書の一覧へ戻る" } }
    };
    console_page(signed, StatusCode::OK, "/reports", "報告書の再作成", main)
}

/// The build's problems (a report left out, a character printed as 〓), if any.
fn problems(problems: &[String]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div class="notice error" {
                p { "作成時の問題(" (problems.len()) " 件):" }
                ul { @for problem in problems { li { (problem) } } }
            }
        }
    }
}

/// One sentence: which departments' submissions changed, or that none did.
fn summary(changes: &Changes) -> Markup {
    let changed: Vec<&str> = changes
        .changed_departments()
        .filter(|d| d.change != Change::Unknown)
        .map(|d| d.department.as_str())
        .collect();
    let files = changes
        .files
        .iter()
        .filter(|f| f.change != Change::Same)
        .count();
    html! {
        p class="rebuild-summary" {
            @if changed.is_empty() { "提出の変わった部はありません。" }
            @else { "提出の変わった部: " (changed.join("、")) "。" }
            "変わったファイル: " (files) " 件。"
            @if files > 0 && changes.only_the_time_differs() {
                "入力は前回と同じです。ファイルの違いは、報告書に印刷される作成日時が前回と違うためです。"
            }
        }
    }
}

/// The inputs' rows: each department, the plan, the templates.
fn input_rows(changes: &Changes) -> Vec<Vec<Markup>> {
    let mut rows: Vec<Vec<Markup>> = changes.departments.iter().map(department_row).collect();
    rows.push(digest_row("計画の参照データ", changes.plan));
    rows.push(digest_row("報告書の見出しと文言", changes.templates));
    rows
}

/// A department's row: its submission before and now.
fn department_row(change: &DepartmentChange) -> Vec<Markup> {
    vec![
        html! { span class="nowrap" { (change.department) } },
        change_badge(change.change),
        match change.change {
            // The build before recorded no inputs: what it used is not known.
            Change::Unknown => html! { "記録なし" },
            _ => submission_cell(change.before.as_ref()),
        },
        submission_cell(change.after.as_ref()),
    ]
}

/// A submission as the comparison shows it: 提出#12, its file, its digest's start.
fn submission_cell(submission: Option<&UsedSubmission>) -> Markup {
    match submission {
        None => html! { "提出なし" },
        Some(s) => html! {
            "提出#" (s.id) " " (s.file_name) br;
            span class="nowrap hash" { (short_hash(&s.sha256)) " ・ " (tokyo_time(&s.received_at)) }
        },
    }
}

/// The plan's or the templates' row.
fn digest_row(label: &str, change: Change) -> Vec<Markup> {
    vec![html! { (label) }, change_badge(change), html! {}, html! {}]
}

/// The files' rows, each a download link while the build has it.
fn file_rows(city: &str, year: i32, changes: &Changes) -> Vec<Vec<Markup>> {
    let row = |f: &crate::report::year::FileChange| {
        let name = html! {
            @if f.change == Change::Gone { (f.file_name) }
            @else { a class="download" href=(file_href(city, year, &f.file_name)) { (f.file_name) } }
        };
        vec![name, html! { (f.audience) }, change_badge(f.change)]
    };
    changes.files.iter().map(row).collect()
}

/// A comparison's word as a badge (the word always there, the colour a help).
fn change_badge(change: Change) -> Markup {
    let class = match change {
        Change::Same => "same",
        Change::Changed => "changed",
        Change::New => "added",
        Change::Gone => "gone",
        Change::Unknown => "unknown",
    };
    badge(class, change.label())
}
