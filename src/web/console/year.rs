//! The year at a glance for the planning division (`GET /{city}/console`): every
//! configured department and where it stands, its latest version with what was found
//! in it, the findings across submissions and the gaps of the year's datasets; and any
//! department's submission of the city (`/console/submissions/{id}`, its original and
//! its annotated copy), shown as the department's own page shows it.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use maud::{html, Markup};

use super::lineage::explain_href;
use super::{console_page, planning_only};
use crate::app::App;
use crate::consolidate::{self, CrossFinding, Gap, Source};
use crate::domain::{Finding, FiscalYear};
use crate::intake::collection;
use crate::store::{HistoryEntry, JobRun, RunOutcome, Store, SubmissionState, ANNUAL_RUN};
use crate::web::auth::Signed;
use crate::web::department::files::{send_annotated, send_original};
use crate::web::department::pages::{findings_table, uploader, verdict_badge, SubmissionView};
use crate::web::department::submission_id;
use crate::web::overview::Standing;
use crate::web::page::{badge, table, tokyo_time, Refusal};
use crate::web::{on_store, Web};

/// The routes of the year at a glance and of the submissions it links to.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/{city}/console", get(year_page))
        .route("/{city}/console/submissions/{id}", get(submission_page))
        .route("/{city}/console/submissions/{id}/original", get(original))
        .route("/{city}/console/submissions/{id}/annotated", get(annotated))
}

/// The path of a submission's page in the console.
pub fn submission_href(city: &str, id: i64) -> String {
    format!("/{city}/console/submissions/{id}")
}

/// One configured department: its latest version of the year (`None`: nothing sent)
/// and what was found in it.
struct Line {
    department: String,
    latest: Option<HistoryEntry>,
    findings: Vec<Finding>,
}

impl Line {
    /// Where the department stands, as its own page says it.
    fn standing(&self, deadline: Option<NaiveDate>, today: NaiveDate) -> Standing {
        let state = self.latest.as_ref().map(|e| SubmissionState {
            department: self.department.clone(),
            status: e.status,
            file_name: e.file_name.clone(),
            received_at: e.received_at.clone(),
            errors: e.errors,
            warnings: e.warnings,
        });
        Standing::of(state.as_ref(), deadline, today)
    }
}

/// What the page shows, read under one hold of the store.
struct YearView {
    fiscal_year: FiscalYear,
    deadline: Option<NaiveDate>,
    today: NaiveDate,
    lines: Vec<Line>,
    /// The year's cross-submission findings and gaps; `None` when the datasets could
    /// not be built (the cause is logged, the page says so).
    checks: Option<(Vec<CrossFinding>, Vec<Gap>)>,
    /// The annual run's latest entry in the ledger.
    last_run: Option<JobRun>,
    /// Whether the year's workbooks are taken in (受付中) or refused (受付終了).
    open: bool,
    /// Now, as the ledger writes times (a run's lease is compared with it).
    now: String,
}

impl YearView {
    fn load(app: &App, store: &mut Store) -> anyhow::Result<YearView> {
        let config = app.config();
        let fiscal_year = config.fiscal_year();
        let mut lines = Vec::new();
        for department in &config.departments {
            lines.push(line_of(
                store,
                &config.city.code,
                &department.name,
                fiscal_year,
            )?);
        }
        Ok(YearView {
            fiscal_year,
            deadline: config.submission.deadline.map(|d| d.0),
            today: app.clock().tokyo().date_naive(),
            lines,
            checks: checks_of(app, store, fiscal_year),
            last_run: store.last_run(&config.city.code, ANNUAL_RUN)?,
            open: !collection::is_closed(store, &config.city.code, fiscal_year)?,
            now: crate::domain::stamp(app.now()),
        })
    }

    /// The latest version of a department, when it sent one.
    fn latest_of(&self, department: &str) -> Option<&HistoryEntry> {
        let line = self.lines.iter().find(|l| l.department == department)?;
        line.latest.as_ref()
    }
}

/// A department's latest version of the year (the highest id, as the store's states
/// count it) and its findings.
fn line_of(
    store: &Store,
    city: &str,
    department: &str,
    fiscal_year: FiscalYear,
) -> anyhow::Result<Line> {
    let history = store.department_history(city, department, Some(fiscal_year))?;
    let latest = history.into_iter().next();
    let findings = match &latest {
        Some(entry) => store.findings_of(entry.id)?,
        None => Vec::new(),
    };
    Ok(Line {
        department: department.to_string(),
        latest,
        findings,
    })
}

/// The findings across submissions and the gaps, as the reports' datasets have them
/// (built read-only: nothing is kept in the store).
fn checks_of(
    app: &App,
    store: &Store,
    fiscal_year: FiscalYear,
) -> Option<(Vec<CrossFinding>, Vec<Gap>)> {
    match consolidate::read_from_store(app.config(), store, fiscal_year) {
        Ok(datasets) => Some((datasets.findings, datasets.gaps)),
        Err(error) => {
            tracing::error!("提出状況のページ: 集計できませんでした: {error:#}");
            None
        }
    }
}

/// `GET /{city}/console`: the year at a glance.
async fn year_page(signed: Signed) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let view = on_store(&signed.app, YearView::load).await?;
    let city = signed.city_code();
    let main = html! {
        (summary(&view))
        p.last-run { (last_run_line(city, view.last_run.as_ref(), &view.now)) }
        (collection_line(city, view.open))
        (states_table(city, &view))
        (findings_by_department(city, &view))
        @match &view.checks {
            Some((cross, gaps)) => {
                (cross_section(city, view.fiscal_year, cross))
                (gaps_section(city, &view, gaps))
            }
            None => p.notice.error { "提出をまたがる確認と不足の一覧を作れませんでした。計画の参照データと設定を確かめてください(詳しくはログにあります)。" },
        }
    };
    Ok(console_page(&signed, StatusCode::OK, "", "提出状況", main))
}

/// The year's collection: 受付中, or 受付終了 with the way to open it again.
fn collection_line(city: &str, open: bool) -> Markup {
    html! {
        p.collection {
            "受付: " strong { (collection::label(open)) }
            @if !open { "(各部からの提出は受け付けていません)" }
            " " a href={ "/" (city) "/console/collection" } { "受付期間のページへ" }
        }
    }
}

/// The year, the deadline, and how many departments stand where.
fn summary(view: &YearView) -> Markup {
    let standings: Vec<Standing> = view
        .lines
        .iter()
        .map(|l| l.standing(view.deadline, view.today))
        .collect();
    let all = [
        Standing::Accepted,
        Standing::AcceptedWithNotes,
        Standing::SentBack,
        Standing::NotSubmitted,
        Standing::Overdue,
    ];
    html! {
        section.summary {
            h2 { (view.fiscal_year.to_string()) "の提出状況" }
            p {
                "提出期限: "
                @match view.deadline { Some(d) => (d.format("%Y年%m月%d日")), None => "なし" }
                "(全" (view.lines.len()) "部)"
            }
            p.counts { @for standing in all {
                @let count = standings.iter().filter(|s| **s == standing).count();
                @if count > 0 { span.count { (standing.badge()) " " (count) "部" } " " }
            } }
        }
    }
}

/// The annual run's latest entry: when, and how it ended (or that it still runs, or
/// that its daemon stopped and it waits to be taken over), as of `now`.
fn last_run_line(city: &str, run: Option<&JobRun>, now: &str) -> Markup {
    let runs = format!("/{city}/console/runs");
    let Some(run) = run else {
        return html! { "年次実行: まだ実行していません。" a href=(runs) { "実行のページへ" } };
    };
    let held = run.lease_until.as_deref().is_some_and(|until| until >= now);
    let outcome = match (&run.finished_at, run.outcome) {
        (None, _) if !held => badge("overdue", "停止中(引き継ぎ待ち)"),
        (None, _) => badge("noted", "実行中"),
        (Some(_), Some(RunOutcome::Succeeded)) => badge("accepted", "成功"),
        (Some(_), _) => badge("sent-back", "失敗"),
    };
    html! {
        "最後の年次実行: " (tokyo_time(&run.started_at)) " 開始 " (outcome)
        @if let Some(finished) = &run.finished_at { " (" (tokyo_time(finished)) " 終了)" }
        " " a href=(runs) { "実行のページへ" }
    }
}

/// Departments × state, each with its latest version: five columns, so that the
/// table stays readable in half a laptop's screen.
fn states_table(city: &str, view: &YearView) -> Markup {
    let headings = ["部", "状態", "最新の提出", "受付", "誤り・注意"];
    let rows = view.lines.iter().map(|line| {
        let standing = line.standing(view.deadline, view.today);
        state_row(city, line, standing)
    });
    html! { section.states { h2 { "各部の状態" } (table(&headings, rows)) } }
}

fn state_row(city: &str, line: &Line, standing: Standing) -> Vec<Markup> {
    let name = html! { span.nowrap { (line.department) } };
    let Some(entry) = &line.latest else {
        let empty = || html! { "—" };
        return vec![name, standing.badge(), empty(), empty(), empty()];
    };
    let page = submission_href(city, entry.id);
    vec![
        name,
        standing.badge(),
        html! {
            a.nowrap href=(page) { "提出#" (entry.id) } " " (entry.file_name) " "
            a.nowrap href={ (page) "/original" } { "(原本)" }
        },
        html! { span.nowrap { (tokyo_time(&entry.received_at)) } br; (uploader(entry)) },
        html! { span.nowrap { "誤り " (entry.errors) } " " span.nowrap { "注意 " (entry.warnings) } },
    ]
}

/// Each department's latest version's findings, each linking to its row (the cell)
/// on the submission's page.
fn findings_by_department(city: &str, view: &YearView) -> Markup {
    let with_findings: Vec<(&Line, &HistoryEntry)> = view
        .lines
        .iter()
        .filter(|l| !l.findings.is_empty())
        .filter_map(|l| Some((l, l.latest.as_ref()?)))
        .collect();
    html! {
        section {
            h2 { "各部の最新の提出で見つかった点" }
            @if with_findings.is_empty() { p { "ありません。" } }
            @for (line, entry) in with_findings {
                @let page = submission_href(city, entry.id);
                h3 {
                    (line.department) " " a href=(page) { "提出#" (entry.id) }
                    " " (verdict_badge(entry.verdict()))
                    " " a href={ (page) "/original" } { "(原本)" }
                }
                (findings_table(&line.findings, Some(&page)))
            }
        }
    }
}

/// The findings across submissions (one fact, two values), each place with its
/// value, where it was read, and the lineage of its indicator or KPI.
fn cross_section(city: &str, year: FiscalYear, findings: &[CrossFinding]) -> Markup {
    html! {
        section {
            h2 { "提出をまたがる食い違い" }
            @if findings.is_empty() { p { "ありません。" } }
            @for finding in findings {
                div.cross {
                    p { (cross_badge(&finding.kind)) " " (finding.message) }
                    (table(&["場所", "値", "読んだところ", "数値の出どころ"], finding.places.iter().map(|place| vec![
                        html! { (place.location) },
                        html! { (place.printed) },
                        source_links(city, place.source.as_ref()),
                        html! { a.nowrap href=(explain_href(city, &place.item, year)) { (place.item) } },
                    ])))
                }
            }
        }
    }
}

/// `conflict` is an error (one of two values is wrong), `two_targets` a warning.
fn cross_badge(kind: &str) -> Markup {
    match kind {
        "conflict" => badge("sent-back", "食い違い"),
        _ => badge("noted", "目標が二つ"),
    }
}

/// Where a value was read, as `explain` says it (`提出#3 企画部.xlsx 目標指標!J2`),
/// the submission linked; the plan's reference data when no submission gave it.
pub fn source_cell(city: &str, source: Option<&Source>) -> Markup {
    let Some(source) = source else {
        return html! { "計画の参照データ" };
    };
    html! {
        a href=(submission_href(city, source.submission_id)) { "提出#" (source.submission_id) }
        " " (source.file) " " span.nowrap { (source.sheet) "!" (source.cell) }
    }
}

/// The same with a link to the submission's original.
fn source_links(city: &str, source: Option<&Source>) -> Markup {
    html! {
        (source_cell(city, source))
        @if let Some(source) = source {
            " " a.nowrap href={ (submission_href(city, source.submission_id)) "/original" } { "(原本)" }
        }
    }
}

/// What the year's datasets lack, each line linking to the department's latest
/// version when it sent one.
fn gaps_section(city: &str, view: &YearView, gaps: &[Gap]) -> Markup {
    let rows = gaps.iter().map(|gap| {
        let latest = view.latest_of(&gap.department);
        vec![
            html! { span.nowrap { (gap.department) } },
            html! { (gap.what) },
            match latest {
                Some(entry) => {
                    let page = submission_href(city, entry.id);
                    html! { a href=(page) { "提出#" (entry.id) } " " a.nowrap href={ (page) "/original" } { "(原本)" } }
                }
                None => html! { "—" },
            },
        ]
    });
    html! {
        section {
            h2 { "不足しているもの" }
            @if gaps.is_empty() { p { "ありません。" } }
            @else { (table(&["部", "内容", "最新の提出"], rows)) }
        }
    }
}

/// A version of any department of the signed-in city (404 for another city's or an
/// id that does not exist), with its department.
async fn city_submission(signed: &Signed, id: &str) -> Result<(String, HistoryEntry), Refusal> {
    planning_only(signed)?;
    let id = submission_id(id)?;
    let found = on_store(&signed.app, move |app, store| {
        let config = app.config();
        for department in &config.departments {
            let entry = store.department_submission(&config.city.code, &department.name, id)?;
            if let Some(entry) = entry {
                return Ok(Some((department.name.clone(), entry)));
            }
        }
        Ok(None)
    })
    .await?;
    found.ok_or_else(Refusal::not_found)
}

/// `GET /{city}/console/submissions/{id}`: the department's page of that version.
async fn submission_page(
    signed: Signed,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let (department, entry) = city_submission(&signed, &id).await?;
    let view = on_store(&signed.app, move |app, store| {
        SubmissionView::load(app, store, entry)
    })
    .await?;
    let city = signed.city_code();
    let main = html! {
        p { "部: " strong { (department) } }
        (view.main(&submission_href(city, view.entry.id)))
        p { a href={ "/" (city) "/console" } { "提出状況へ戻る" } }
    };
    let title = format!("{department} {}", view.title());
    Ok(console_page(&signed, StatusCode::OK, "", &title, main))
}

/// `GET /{city}/console/submissions/{id}/original`.
async fn original(
    signed: Signed,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let (_, entry) = city_submission(&signed, &id).await?;
    send_original(&entry).await
}

/// `GET /{city}/console/submissions/{id}/annotated`.
async fn annotated(
    signed: Signed,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let (_, entry) = city_submission(&signed, &id).await?;
    send_annotated(signed.app.config(), &entry).await
}
