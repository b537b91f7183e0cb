//! The collection period's notices: reminders to departments before the deadline, an
//! escalation to the managers after it, and a weekly digest. Each goes through the
//! outbox under a key for its day, so a notice is never sent twice.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Tokyo;

use crate::config::{mailboxes, Config, Department};
use crate::consolidate;
use crate::domain::Clock;
use crate::intake::collection;
use crate::mail::outbox;
use crate::mail::{Mailer, Outgoing};
use crate::store::{Store, SubmissionState, SubmissionStatus};
use crate::texts::{render_file, verdict, Values};

pub use crate::store::{DIGEST, ESCALATION, REMINDERS};

/// Where a department stands, in words for a notice; `None` when it has submitted.
fn shortfall(state: Option<&SubmissionState>) -> Option<&'static str> {
    match state {
        None => Some(verdict::NOTHING_SUBMITTED),
        Some(s) if s.status == SubmissionStatus::Rejected => Some(verdict::ONLY_SENT_BACK),
        Some(_) => None,
    }
}

/// The latest submission of each configured department that sent anything.
fn submitted_states(config: &Config, store: &Store) -> anyhow::Result<Vec<SubmissionState>> {
    let standings = consolidate::standings(config, store, config.fiscal_year())?;
    Ok(standings
        .into_iter()
        .filter_map(|(_, state)| state)
        .collect())
}

/// Sends the notices of `job` for the day of `scheduled_for`, queued at `now`;
/// returns how many messages were queued.
pub async fn run(
    config: &Config,
    store: &mut Store,
    mailer: &Mailer,
    job: &str,
    scheduled_for: DateTime<Utc>,
    clock: &Clock,
) -> anyhow::Result<usize> {
    let now = clock.now();
    let Some(deadline) = config.submission.deadline.map(|d| d.0) else {
        return Ok(0);
    };
    let today = scheduled_for.with_timezone(&Tokyo).date_naive();
    let schedule = &config.schedule;
    let before = (deadline - today).num_days();
    let after = (today - deadline).num_days();
    let in_reminders = (0..=i64::from(schedule.reminder_days)).contains(&before);
    let in_escalation = (1..=i64::from(schedule.escalation_days)).contains(&after);
    // A year whose collection is closed takes no workbook: nobody is asked for one.
    let closed =
        job == REMINDERS && collection::is_closed(store, &config.city.code, config.fiscal_year())?;
    let messages = {
        // Read only by the job that sends something today, from consolidation like
        // `status` and the managers' summary.
        let states = || submitted_states(config, store);
        match job {
            REMINDERS if in_reminders && !closed => {
                reminders(config, &states()?, deadline, before)?
            }
            ESCALATION if in_escalation => escalation(config, &states()?, deadline)?
                .into_iter()
                .collect(),
            DIGEST if in_reminders || in_escalation => digest(config, &states()?, deadline, today)?
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut queued = 0;
    for (key, outgoing) in &messages {
        queued += usize::from(outbox::enqueue(
            config,
            store,
            &format!("{key}:{today}"),
            outgoing,
            now,
        )?);
    }
    if queued > 0 {
        outbox::deliver_once(config, store, mailer, clock).await?;
    }
    Ok(queued)
}

fn base_values(config: &Config, deadline: NaiveDate) -> Values {
    Values::from([
        ("city", config.city.name.clone()),
        ("fiscal_year", config.fiscal_year().to_string()),
        ("deadline", deadline.format("%Y年%-m月%-d日").to_string()),
    ])
}

fn reminders(
    config: &Config,
    states: &[SubmissionState],
    deadline: NaiveDate,
    days_left: i64,
) -> anyhow::Result<Vec<(String, Outgoing)>> {
    let mut messages = Vec::new();
    for department in config
        .departments
        .iter()
        .filter(|d| !d.recipients.is_empty())
    {
        let Some(state) = shortfall(states.iter().find(|s| s.department == department.name)) else {
            continue;
        };
        let outgoing = reminder(config, department, state, deadline, days_left)?;
        messages.push((
            format!(
                "reminder:{}:{}",
                config.fiscal_year().start_year(),
                department.name
            ),
            outgoing,
        ));
    }
    Ok(messages)
}

/// The reminder to one department (template `reminder`).
fn reminder(
    config: &Config,
    department: &Department,
    state: &str,
    deadline: NaiveDate,
    days_left: i64,
) -> anyhow::Result<Outgoing> {
    let mut values = base_values(config, deadline);
    values.insert("department", department.name.clone());
    values.insert("state", state.to_string());
    values.insert("days_left", days_left.to_string());
    let rendered = render_file(&config.paths.templates, "reminder", &values)?;
    Ok(Outgoing {
        to: mailboxes(&department.recipients),
        subject: rendered.subject,
        body: rendered.body,
        attachments: Vec::new(),
    })
}

/// What a reminder sent by hand ([`remind_now`]) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reminded {
    /// The reminder was queued (the caller rings the bell or delivers).
    Queued,
    /// A reminder was sent by hand to this department today already: nothing queued.
    AlreadyToday,
    /// The department's latest submission was accepted (受理 or 受理(要確認)): no mail.
    Accepted(&'static str),
    /// No department of that name in the configuration.
    UnknownDepartment,
    /// The department has no address to write to.
    NoRecipients,
    /// No submission deadline is configured: the reminder names one.
    NoDeadline,
    /// The year's collection is closed: nothing is asked of anyone.
    Closed,
}

impl Reminded {
    /// Why no reminder was queued, as the command and the page say it (empty when one
    /// was queued or was today already).
    pub fn why_not(&self, department: &str) -> String {
        match self {
            Reminded::Accepted(label) => {
                format!("{department} の提出はすでに{label}です。督促は送りません")
            }
            Reminded::UnknownDepartment => {
                format!(
                    "部「{department}」は設定にありません。設定ファイルの部名を確かめてください"
                )
            }
            Reminded::NoRecipients => {
                format!("{department} には宛先が設定されていないため、督促を送れません")
            }
            Reminded::NoDeadline => {
                "提出期限 (submission.deadline) が設定されていないため、督促を送れません".into()
            }
            Reminded::Closed => {
                "この年度の提出の受付は終了しているため、督促は送りません(受付期間のページで再開できます)".into()
            }
            Reminded::Queued | Reminded::AlreadyToday => String::new(),
        }
    }
}

/// Queues a reminder to one department now (the console's button, `hakusho remind
/// --department`): the scheduled reminder's template, under the key
/// `reminder:manual:<year>:<部>:<Tokyo date>`, so a second press the same day queues
/// nothing. A department whose latest submission was accepted is not written to.
pub fn remind_now(
    config: &Config,
    store: &mut Store,
    department: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Reminded> {
    let Some(found) = config.departments.iter().find(|d| d.name == department) else {
        return Ok(Reminded::UnknownDepartment);
    };
    let Some(deadline) = config.submission.deadline.map(|d| d.0) else {
        return Ok(Reminded::NoDeadline);
    };
    if found.recipients.is_empty() {
        return Ok(Reminded::NoRecipients);
    }
    if collection::is_closed(store, &config.city.code, config.fiscal_year())? {
        return Ok(Reminded::Closed);
    }
    let states = submitted_states(config, store)?;
    let latest = states.iter().find(|s| s.department == found.name);
    let Some(state) = shortfall(latest) else {
        return Ok(Reminded::Accepted(
            latest.map_or("", SubmissionState::label),
        ));
    };
    let today = now.with_timezone(&Tokyo).date_naive();
    // Past the deadline the template's 「あと N 日」 says 0, never a negative count.
    let days_left = (deadline - today).num_days().max(0);
    let outgoing = reminder(config, found, state, deadline, days_left)?;
    let year = config.fiscal_year().start_year();
    let key = format!("reminder:manual:{year}:{}:{today}", found.name);
    Ok(
        match outbox::enqueue(config, store, &key, &outgoing, now)? {
            true => Reminded::Queued,
            false => Reminded::AlreadyToday,
        },
    )
}

fn escalation(
    config: &Config,
    states: &[SubmissionState],
    deadline: NaiveDate,
) -> anyhow::Result<Option<(String, Outgoing)>> {
    let missing: Vec<String> = config
        .departments
        .iter()
        .filter_map(|d| {
            shortfall(states.iter().find(|s| s.department == d.name))
                .map(|why| format!("  ・{}: {why}", d.name))
        })
        .collect();
    if missing.is_empty() {
        return Ok(None);
    }
    let mut values = base_values(config, deadline);
    values.insert("count", missing.len().to_string());
    values.insert("lines", missing.join("\n"));
    to_managers(config, "escalation", &values).map(|m| {
        m.map(|m| {
            (
                format!("escalation:{}", config.fiscal_year().start_year()),
                m,
            )
        })
    })
}

fn digest(
    config: &Config,
    states: &[SubmissionState],
    deadline: NaiveDate,
    today: NaiveDate,
) -> anyhow::Result<Option<(String, Outgoing)>> {
    let lines: Vec<String> = config
        .departments
        .iter()
        .map(|d| {
            let state = states.iter().find(|s| s.department == d.name);
            let word = shortfall(state)
                .or(state.map(SubmissionState::label))
                .unwrap_or_default();
            format!("  ・{}: {word}", d.name)
        })
        .collect();
    let mut values = base_values(config, deadline);
    values.insert("date", today.format("%Y年%-m月%-d日").to_string());
    values.insert("lines", lines.join("\n"));
    to_managers(config, "digest", &values)
        .map(|m| m.map(|m| (format!("digest:{}", config.fiscal_year().start_year()), m)))
}

fn to_managers(
    config: &Config,
    template: &str,
    values: &Values,
) -> anyhow::Result<Option<Outgoing>> {
    if config.managers.recipients.is_empty() {
        return Ok(None);
    }
    let rendered = render_file(&config.paths.templates, template, values)?;
    Ok(Some(Outgoing {
        to: mailboxes(&config.managers.recipients),
        subject: rendered.subject,
        body: rendered.body,
        attachments: Vec::new(),
    }))
}
