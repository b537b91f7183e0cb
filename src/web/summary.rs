//! The managers' page (管理者と企画経営課, read only): the year's submission states,
//! the indicators off target with their trend charts (SVG, the layout of the reports'
//! charts), the cross-submission findings and gaps, the changes since last year, and
//! the white paper and every whole-city report to download.
//!
//! Only consolidated data: the datasets are built from accepted submissions
//! (`consolidate::read_from_store`), so nothing of a submission sent back or not yet
//! taken in shows here but its department's state. A department's own report files
//! are not offered (404).

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use super::auth::{Role, Signed};
use super::department::files::send_listed;
use super::overview::Standing;
use super::page::{badge, table, tokyo_time, Refusal};
use super::{on_store, Web};
use crate::app::App;
use crate::consolidate::{self, CrossFinding, Datasets, Indicator};
use crate::domain::{FiscalYear, Period, Status};
use crate::report::index::{read_indexes, ReportIndex};
use crate::report::{off_target_indicators, svg, WhitePaperLabels};
use crate::store::{Store, SubmissionState};

/// The routes of the managers' page.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/{city}/summary", get(summary))
        .route("/{city}/summary/charts/{file}", get(chart))
        .route("/{city}/summary/reports/{year}/{file}", get(report))
}

/// Managers and the planning division; a department gets the 403 page.
fn managers_only(signed: &Signed) -> Result<(), Refusal> {
    match signed.role {
        Role::Manager | Role::Planning => Ok(()),
        Role::Department(_) => Err(Refusal::forbidden(
            "年度の概要は管理者と企画経営課のためのページです。",
        )),
    }
}

/// What the page shows of the configured year.
struct Year {
    standings: Vec<(String, Standing, Option<SubmissionState>)>,
    datasets: Datasets,
    changes: Option<Vec<Change>>,
    reports: Vec<ReportIndex>,
}

/// `GET /{city}/summary`.
async fn summary(signed: Signed) -> Result<Response, Refusal> {
    managers_only(&signed)?;
    let year = on_store(&signed.app, read_year).await?;
    let city = signed.city_code().to_string();
    let main = html! {
        (states_section(&year.standings))
        (off_target_section(&city, &year.datasets))
        (findings_section(&year.datasets))
        (changes_section(year.changes.as_deref(), year.datasets.fiscal_year))
        (reports_section(&city, &year.reports))
    };
    let title = format!("{} 年度の概要", year.datasets.fiscal_year_label);
    Ok(signed.page(StatusCode::OK, &title, main))
}

/// Everything the page shows, read from the store (read only) and the reports' folder.
fn read_year(app: &App, store: &mut Store) -> anyhow::Result<Year> {
    let config = app.config();
    let fiscal_year = config.fiscal_year();
    let deadline = config.submission.deadline.map(|d| d.0);
    let today = app.clock().tokyo().date_naive();
    let standings = consolidate::standings(config, store, fiscal_year)?
        .into_iter()
        .map(|(name, state)| {
            let standing = Standing::of(state.as_ref(), deadline, today);
            (name, standing, state)
        })
        .collect();
    let datasets = consolidate::read_from_store(config, store, fiscal_year)?;
    let changes = last_year(app, store, fiscal_year).map(|last| changes(&last, &datasets));
    Ok(Year {
        standings,
        datasets,
        changes,
        reports: read_indexes(&config.paths.reports),
    })
}

/// The consolidated datasets of the year before, when it has an accepted submission.
/// A year the plan does not cover, or one that cannot be read, counts as none (the
/// page says so), logged for the operator.
fn last_year(app: &App, store: &Store, fiscal_year: FiscalYear) -> Option<Datasets> {
    let config = app.config();
    let last = FiscalYear(fiscal_year.0 - 1);
    match consolidate::read_from_store(config, store, last) {
        Ok(datasets) if !datasets.submissions.is_empty() => Some(datasets),
        Ok(_) => None,
        Err(error) => {
            tracing::info!(city = %config.city.code, "前年度のデータを読めません: {error:#}");
            None
        }
    }
}

/// Section 1: how many departments stand where, and each department's state.
fn states_section(standings: &[(String, Standing, Option<SubmissionState>)]) -> Markup {
    let all = [
        Standing::Accepted,
        Standing::AcceptedWithNotes,
        Standing::SentBack,
        Standing::NotSubmitted,
        Standing::Overdue,
    ];
    let count = |s: Standing| standings.iter().filter(|(_, t, _)| *t == s).count();
    let rows = standings.iter().map(|(name, standing, state)| {
        let received = state.as_ref().map(|s| tokyo_time(&s.received_at));
        vec![
            html! { (name) },
            standing.badge(),
            html! { (received.unwrap_or_default()) },
        ]
    });
    html! {
        h2 { "提出状況" }
        ul.counts { @for s in all { li { (s.badge()) " " strong { (count(s)) } " 部" } } }
        (table(&["部", "状態", "最新の受付"], rows))
    }
}

/// Section 2: the indicators off target (the managers' PDF summary's selection), a
/// table and each one's chart.
fn off_target_section(city: &str, datasets: &Datasets) -> Markup {
    let found = off_target_indicators(datasets);
    let rows = found.iter().map(|(policy, i)| {
        vec![
            html! { (i.id) },
            html! { (i.name) },
            html! { (policy.department) },
            html! { (i.printed(Period::Actual)) },
            html! { (i.printed(Period::Target)) },
            status_badge(i.status, &i.status_label),
        ]
    });
    html! {
        h2 { "目標に届いていない指標(" (found.len()) "件)" }
        @if found.is_empty() {
            p { "後退・要注意の指標はありません。" }
        } @else {
            details.rule {
                summary { "「状態」の判定方法" }
                p.muted { (crate::domain::status::status_rule_text()) }
            }
            div.indicators { (table(&["ID", "指標", "担当部", "達成値", "目標値", "状態"], rows)) }
            h3 { "推移(報告書と同じグラフ)" }
            div.charts { @for (policy, i) in &found { (chart_figure(city, i, &policy.department)) } }
        }
    }
}

/// An indicator's status word as a badge: 後退 red, 要注意 amber, others plain.
fn status_badge(status: Status, label: &str) -> Markup {
    let class = match status {
        Status::Regressed => "sent-back",
        Status::Caution => "noted",
        Status::Achieved | Status::OnTrack => "accepted",
        Status::NotRated | Status::NotApplicable => "missing",
    };
    badge(class, label)
}

/// An indicator's chart as an image of this site (its name is the chart's title),
/// captioned with its id, department and status.
fn chart_figure(city: &str, indicator: &Indicator, department: &str) -> Markup {
    let src = format!("/{city}/summary/charts/{}.svg", encoded(&indicator.id));
    html! {
        figure.chart {
            img src=(src) alt={ (indicator.name) "の推移" } width="348" height="186";
            figcaption { (indicator.id) " " (department) " " (status_badge(indicator.status, &indicator.status_label)) }
        }
    }
}

/// Section 3: the disagreements between submissions, and what is missing.
fn findings_section(datasets: &Datasets) -> Markup {
    html! {
        h2 { "提出間の食い違い・不足" }
        @if datasets.findings.is_empty() && datasets.gaps.is_empty() {
            p { "食い違いも不足もありません。" }
        }
        ul.findings {
            @for finding in &datasets.findings { li { (finding_line(finding)) } }
            @for gap in &datasets.gaps { li { "不足: " (gap.department) " " (gap.what) } }
        }
    }
}

/// A disagreement and each place with the value printed there.
fn finding_line(finding: &CrossFinding) -> Markup {
    let kind = match finding.kind.as_str() {
        "conflict" => badge("sent-back", "食い違い"),
        _ => badge("noted", "要確認"),
    };
    html! {
        (kind) " " (finding.message)
        ul { @for place in &finding.places { li { (place.location) "「" (place.printed) "」" } } }
    }
}

/// What changed for an indicator from the year before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The indicator's id.
    pub id: String,
    /// Its name (this year's, else last year's).
    pub name: String,
    /// What kind of change.
    pub kind: ChangeKind,
    /// Last year's figure and status (empty when new).
    pub before: (String, String),
    /// This year's figure and status (empty when removed).
    pub after: (String, String),
}

/// The kinds of change, in the order the page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Off target (後退, 要注意) now, not last year.
    NewlyOffTarget,
    /// Off target last year, 達成 or 順調 now.
    BackOnTarget,
    /// Another change of status (達成 → 順調 …).
    Achievement,
    /// The same status, another figure.
    Value,
    /// Not in last year's datasets.
    New,
    /// In last year's datasets, not in this year's.
    Removed,
}

impl ChangeKind {
    /// The word on the page.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::NewlyOffTarget => "新たに目標未達",
            ChangeKind::BackOnTarget => "目標未達から回復",
            ChangeKind::Achievement => "達成状況の変化",
            ChangeKind::Value => "数値の変化",
            ChangeKind::New => "新しい指標",
            ChangeKind::Removed => "なくなった指標",
        }
    }
}

/// Every indicator of the white paper, by id.
fn indicators(datasets: &Datasets) -> BTreeMap<&str, &Indicator> {
    datasets
        .white_paper
        .parts
        .iter()
        .flat_map(|p| &p.policies)
        .flat_map(|p| &p.indicators)
        .map(|i| (i.id.as_str(), i))
        .collect()
}

/// Whether the managers' summary lists an indicator as off target.
fn off_target(indicator: &Indicator) -> bool {
    matches!(indicator.status, Status::Regressed | Status::Caution)
}

/// The changes from `last` year's datasets to this year's: each indicator whose
/// latest figure or status differs, new or gone, by kind then id.
pub fn changes(last: &Datasets, now: &Datasets) -> Vec<Change> {
    let (before, after) = (indicators(last), indicators(now));
    let mut found: Vec<Change> = after
        .iter()
        .filter_map(|(id, i)| change(before.get(id).copied(), Some(i)))
        .collect();
    let gone = before.iter().filter(|(id, _)| !after.contains_key(*id));
    found.extend(gone.filter_map(|(_, i)| change(Some(i), None)));
    found.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    found
}

/// One indicator's change, or `None` when nothing changed.
fn change(before: Option<&Indicator>, after: Option<&Indicator>) -> Option<Change> {
    let shown = |i: Option<&Indicator>| {
        i.map_or_else(Default::default, |i| {
            (
                i.printed(Period::Actual).to_string(),
                i.status_label.clone(),
            )
        })
    };
    let kind = match (before, after) {
        (None, None) => return None,
        (None, Some(_)) => ChangeKind::New,
        (Some(_), None) => ChangeKind::Removed,
        (Some(b), Some(a)) => kind_of(b, a)?,
    };
    let named = after.or(before)?;
    Some(Change {
        id: named.id.clone(),
        name: named.name.clone(),
        kind,
        before: shown(before),
        after: shown(after),
    })
}

/// How an indicator in both years changed, if it did. Back on target only when it
/// is rated 達成 or 順調 now: an indicator without this year's figure (判定不可) has
/// not recovered, its status changed.
fn kind_of(before: &Indicator, after: &Indicator) -> Option<ChangeKind> {
    let rated_well = matches!(after.status, Status::Achieved | Status::OnTrack);
    match (off_target(before), off_target(after)) {
        (false, true) => Some(ChangeKind::NewlyOffTarget),
        (true, false) if rated_well => Some(ChangeKind::BackOnTarget),
        _ if before.status != after.status => Some(ChangeKind::Achievement),
        _ if before.printed(Period::Actual) != after.printed(Period::Actual) => {
            Some(ChangeKind::Value)
        }
        _ => None,
    }
}

/// Section 4: the changes since last year, or a line saying there is nothing to
/// compare with.
fn changes_section(changes: Option<&[Change]>, fiscal_year: i32) -> Markup {
    let last = FiscalYear(fiscal_year - 1);
    html! {
        h2 { "前年度からの変化" }
        @match changes {
            None => p { "前年度のデータがありません(" (last.to_string()) "に受理された提出がありません)。" },
            Some([]) => p { (last.to_string()) "から変わった指標はありません。" },
            Some(changes) => (changes_table(changes, last)),
        }
    }
}

/// The changes as a table: id, name, kind, last year's and this year's figure and status.
fn changes_table(changes: &[Change], last: FiscalYear) -> Markup {
    let rows = changes.iter().map(|c| {
        vec![
            html! { (c.id) },
            html! { (c.name) },
            html! { (c.kind.label()) },
            html! { (c.before.0) " " span.muted { (c.before.1) } },
            html! { (c.after.0) " " span.muted { (c.after.1) } },
        ]
    });
    let before = format!("{last}");
    html! { div.indicators { (table(&["ID", "指標", "変化", &before, "今年度"], rows)) } }
}

/// Section 5: every year's whole-city reports, newest year first.
fn reports_section(city: &str, reports: &[ReportIndex]) -> Markup {
    let years: Vec<&ReportIndex> = reports
        .iter()
        .rev()
        .filter(|i| i.files.iter().any(|f| f.department.is_none()))
        .collect();
    html! {
        h2 { "報告書" }
        @if years.is_empty() { p { "まだ作成された報告書はありません。" } }
        @for index in years {
            h3 { (FiscalYear(index.fiscal_year).to_string()) }
            ul.downloads { @for file in index.files.iter().filter(|f| f.department.is_none()) {
                li { a.download href={ "/" (city) "/summary/reports/" (index.fiscal_year) "/" (encoded(&file.file_name)) } { (file.file_name) } }
            } }
        }
    }
}

/// A path segment: every character but letters and digits percent-encoded.
fn encoded(segment: &str) -> String {
    utf8_percent_encode(segment, NON_ALPHANUMERIC).to_string()
}

/// `GET /{city}/summary/charts/{id}.svg`: an indicator's chart of the year's
/// consolidated figures (404 for an id the white paper does not have).
async fn chart(
    signed: Signed,
    Path((_, file)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    managers_only(&signed)?;
    let id = file
        .strip_suffix(".svg")
        .ok_or_else(Refusal::not_found)?
        .to_string();
    let drawn = on_store(&signed.app, move |app, store| {
        let config = app.config();
        let datasets = consolidate::read_from_store(config, store, config.fiscal_year())?;
        let target = WhitePaperLabels::load(&config.paths.templates)
            .map_or_else(|_| "目標".to_string(), |l| l.chart_target);
        let labels = &datasets.white_paper.period_labels;
        let found = indicators(&datasets).get(id.as_str()).copied();
        Ok(found.map(|i| svg::indicator_chart(i, labels, &target)))
    })
    .await?;
    let drawn = drawn.ok_or_else(Refusal::not_found)?;
    let mut response = (StatusCode::OK, drawn).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// `GET /{city}/summary/reports/{year}/{file}`: a whole-city report the year's index
/// lists by that name (a department's file, or any other name, is 404).
async fn report(
    signed: Signed,
    Path((_, year, file)): Path<(String, String, String)>,
) -> Result<Response, Refusal> {
    managers_only(&signed)?;
    send_listed(&signed, &year, &file, |f| f.department.is_none()).await
}
