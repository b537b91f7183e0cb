//! What the managers see: the year's departments and where each stands, read only.
//! The planning division has this and more in its console (`/{city}/console`, the
//! year at a glance): it is sent there. The state words and badges are shared with
//! the department's own page and the console ([`Standing`]).

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use maud::{html, Markup};

use super::auth::{Role, Signed};
use super::page::{badge, see_other, table, tokyo_time, Refusal};
use super::{on_store, Web};
use crate::consolidate;
use crate::store::{SubmissionState, SubmissionStatus};

/// The routes of the overview.
pub fn routes() -> Router<Web> {
    Router::new().route("/{city}/overview", get(overview))
}

/// Where a department stands for the year, as the pages say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// 未提出: nothing sent, the deadline not passed.
    NotSubmitted,
    /// 期限超過: nothing sent and the deadline passed.
    Overdue,
    /// 差戻し: the latest file was sent back.
    SentBack,
    /// 受理(要確認): accepted with warnings.
    AcceptedWithNotes,
    /// 受理.
    Accepted,
}

impl Standing {
    /// The standing of a department's latest submission (`None`: nothing sent) on
    /// `today` (Asia/Tokyo), the deadline being the last day to submit.
    pub fn of(
        state: Option<&SubmissionState>,
        deadline: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Standing {
        match state {
            None if deadline.is_some_and(|d| today > d) => Standing::Overdue,
            None => Standing::NotSubmitted,
            Some(s) if s.status == SubmissionStatus::Rejected => Standing::SentBack,
            Some(s) if s.warnings > 0 => Standing::AcceptedWithNotes,
            Some(_) => Standing::Accepted,
        }
    }

    /// The word.
    pub fn label(self) -> &'static str {
        match self {
            Standing::NotSubmitted => "未提出",
            Standing::Overdue => "期限超過",
            Standing::SentBack => "差戻し",
            Standing::AcceptedWithNotes => "受理(要確認)",
            Standing::Accepted => "受理",
        }
    }

    /// The badge: its colour (the style sheet's class) and the word.
    pub fn badge(self) -> Markup {
        let class = match self {
            Standing::NotSubmitted => "missing",
            Standing::Overdue => "overdue",
            Standing::SentBack => "sent-back",
            Standing::AcceptedWithNotes => "noted",
            Standing::Accepted => "accepted",
        };
        badge(class, self.label())
    }
}

/// `GET /{city}/overview`: the departments × state table for managers; the planning
/// division is sent to its console, which shows the same table with each version.
async fn overview(signed: Signed) -> Result<Response, Refusal> {
    match signed.role {
        Role::Department(_) => {
            return Err(Refusal::forbidden(
                "この一覧は企画経営課と管理者のためのページです。",
            ))
        }
        Role::Planning => return Ok(see_other(&signed.role.home(signed.city_code()))),
        Role::Manager => {}
    }
    let standings = on_store(&signed.app, |app, store| {
        let config = app.config();
        consolidate::standings(config, store, config.fiscal_year())
    })
    .await?;
    let config = signed.app.config();
    let deadline = config.submission.deadline.map(|d| d.0);
    let today = signed.app.clock().tokyo().date_naive();
    let rows = standings.iter().map(|(name, state)| {
        let standing = Standing::of(state.as_ref(), deadline, today);
        row(name, standing, state.as_ref())
    });
    let main = html! {
        p {
            (config.fiscal_year().to_string()) "の提出状況"
            @if let Some(deadline) = deadline { "(提出期限 " (deadline.format("%Y年%m月%d日")) ")" }
        }
        (table(&["部", "状態", "ファイル", "受付日時", "誤り", "注意"], rows))
    };
    Ok(signed.page(StatusCode::OK, "提出状況", main))
}

/// One department's row. The managers read it: of a submission sent back (unfinished)
/// only its state, never its file's name or its counts.
fn row(name: &str, standing: Standing, state: Option<&SubmissionState>) -> Vec<Markup> {
    let cell = |text: String| html! { (text) };
    let state = state.filter(|_| standing != Standing::SentBack);
    vec![
        cell(name.to_string()),
        standing.badge(),
        cell(state.map_or(String::new(), |s| s.file_name.clone())),
        cell(state.map_or(String::new(), |s| tokyo_time(&s.received_at))),
        cell(state.map_or(String::new(), |s| s.errors.to_string())),
        cell(state.map_or(String::new(), |s| s.warnings.to_string())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: SubmissionStatus, warnings: i64) -> SubmissionState {
        SubmissionState {
            department: "企画部".into(),
            status,
            file_name: "企画部.xlsx".into(),
            received_at: "2021-04-01T00:00:00Z".into(),
            errors: 0,
            warnings,
        }
    }

    #[test]
    fn nothing_sent_is_overdue_only_after_the_deadline_day() {
        let day = |d| NaiveDate::from_ymd_opt(2021, 4, d).unwrap();
        let deadline = Some(day(9));
        assert_eq!(Standing::of(None, deadline, day(9)), Standing::NotSubmitted);
        assert_eq!(Standing::of(None, deadline, day(10)), Standing::Overdue);
        assert_eq!(Standing::of(None, None, day(30)), Standing::NotSubmitted);
        let back = state(SubmissionStatus::Rejected, 0);
        assert_eq!(
            Standing::of(Some(&back), deadline, day(10)),
            Standing::SentBack
        );
        let noted = state(SubmissionStatus::Accepted, 2);
        assert_eq!(
            Standing::of(Some(&noted), deadline, day(1)).label(),
            "受理(要確認)"
        );
        let done = state(SubmissionStatus::Accepted, 0);
        assert_eq!(Standing::of(Some(&done), deadline, day(10)).label(), "受理");
    }

    #[test]
    fn a_sent_back_row_shows_only_its_state() {
        let back = state(SubmissionStatus::Rejected, 1);
        let cells: Vec<String> = row("企画部", Standing::SentBack, Some(&back))
            .into_iter()
            .map(|m| m.into_string())
            .collect();
        assert!(cells[1].contains("差戻し"), "{cells:?}");
        assert!(cells[2..].iter().all(String::is_empty), "{cells:?}");
        let done = state(SubmissionStatus::Accepted, 0);
        let cells = row("企画部", Standing::Accepted, Some(&done));
        assert!(cells[2].clone().into_string().contains("企画部.xlsx"));
    }
}
