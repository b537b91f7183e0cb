//! Schedules that never miss or double: the ledger decides what runs, at Asia/Tokyo
//! times, with explicit clocks instead of waiting.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use common::{annual_only, jst, TestCity};
use hakusho::app::App;
use hakusho::config::Config;
use hakusho::daemon::run::{run_once, RunOptions};
use hakusho::daemon::schedule::{
    latest_due, resume_unfinished, run_due_jobs_once, Ran, ANNUAL_RUN,
};
use hakusho::domain::{stamp, Clock};
use hakusho::store::{RunLease, RunOutcome, Store};

/// The application on the city's configuration, its clock standing at `at` (Tokyo
/// time of 15 April 2021 unless a test moves it).
fn app_at(config: &Config, at: DateTime<Utc>) -> (App, Clock) {
    let clock = Clock::fixed(at);
    (App::new(config.clone(), clock.clone()), clock)
}

/// Sets the clock to `at` and runs what is due then.
fn run_due_at(
    rt: &tokio::runtime::Runtime,
    app: &App,
    clock: &Clock,
    at: DateTime<Utc>,
) -> Vec<Ran> {
    clock.set(at);
    rt.block_on(run_due_jobs_once(app)).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn outbox_count(city: &TestCity) -> usize {
    std::fs::read_dir(city.path().join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn the_annual_run_is_due_at_nine_in_tokyo_and_caught_up_within_the_window() {
    let city = annual_only(None);
    let config = Config::load(&city.config_path()).unwrap();
    let cron = &config.schedule.annual_run; // 0 0 9 15 4 *: 15 April, 09:00 JST
    let nine = Tokyo.with_ymd_and_hms(2021, 4, 15, 9, 0, 0).unwrap();
    let tick = jst(2021, 4, 15, 9, 0, 0) + chrono::Duration::milliseconds(300);
    assert_eq!(
        latest_due(cron, tick, 72),
        Some(nine),
        "a tick a little late still means 09:00"
    );
    assert_eq!(
        nine.with_timezone(&Utc),
        Utc.with_ymd_and_hms(2021, 4, 15, 0, 0, 0).unwrap()
    );
    assert_eq!(
        latest_due(cron, jst(2021, 4, 15, 8, 59, 59), 72),
        None,
        "a year ago is outside the window"
    );
    assert_eq!(latest_due(cron, jst(2021, 4, 18, 9, 0, 0), 72), Some(nine));
    assert_eq!(latest_due(cron, jst(2021, 4, 18, 9, 0, 1), 72), None);
}

#[test]
fn a_missed_run_is_caught_up_once() {
    let city = annual_only(None);
    let config = Config::load(&city.config_path()).unwrap();
    let (app, clock) = app_at(&config, jst(2021, 4, 15, 10, 0, 0));
    let rt = runtime();
    // The daemon was down at 09:00; it starts at 13:00.
    let ran = run_due_at(&rt, &app, &clock, jst(2021, 4, 15, 13, 0, 0));
    assert_eq!(ran.len(), 1);
    assert_eq!(
        (
            ran[0].job.as_str(),
            ran[0].scheduled_for.as_str(),
            ran[0].outcome
        ),
        (ANNUAL_RUN, "2021-04-15T00:00:00Z", RunOutcome::Succeeded)
    );
    let sent = outbox_count(&city);
    assert_eq!(sent, 22);
    // Later ticks, and a restart, find it done.
    assert!(run_due_at(&rt, &app, &clock, jst(2021, 4, 15, 13, 5, 0)).is_empty());
    assert!(run_due_at(&rt, &app, &clock, jst(2021, 4, 16, 9, 0, 0)).is_empty());
    assert_eq!(outbox_count(&city), sent);
    let store = common::open_store(&config);
    assert_eq!(
        store.runs_of(&config.city.code, ANNUAL_RUN).unwrap().len(),
        1
    );
}

#[test]
fn a_job_never_overlaps_itself() {
    let city = annual_only(None);
    let config = Config::load(&city.config_path()).unwrap();
    let (app, clock) = app_at(&config, jst(2021, 4, 15, 10, 0, 0));
    let mut store = common::open_store(&config);
    // A run of the previous day is still going (another live daemon, or a long run).
    assert!(store
        .claim_run(
            &config.city.code,
            ANNUAL_RUN,
            "2021-04-14T00:00:00Z",
            &stamp(clock.now()),
            &held_by(&clock, "another-daemon", 3600)
        )
        .unwrap());
    let ran = run_due_at(&runtime(), &app, &clock, jst(2021, 4, 15, 10, 0, 0));
    assert!(ran.is_empty());
    assert_eq!(
        store.runs_of(&config.city.code, ANNUAL_RUN).unwrap().len(),
        1
    );
    assert_eq!(outbox_count(&city), 0);
}

#[test]
fn a_run_interrupted_after_mailing_is_resumed_without_sending_twice() {
    let city = annual_only(None);
    let config = Config::load(&city.config_path()).unwrap();
    let (app, clock) = app_at(&config, jst(2021, 4, 15, 10, 0, 0));
    let rt = runtime();
    let scheduled_for = "2021-04-15T00:00:00Z";
    // A daemon claimed the run, did its work and mailed, then was killed before
    // closing the run in the ledger; its lease has run out since.
    let mut store = common::open_store(&config);
    assert!(store
        .claim_run(
            &config.city.code,
            ANNUAL_RUN,
            scheduled_for,
            &stamp(clock.now()),
            &held_by(&clock, "killed-daemon", -1)
        )
        .unwrap());
    rt.block_on(run_once(&app, RunOptions::default())).unwrap();
    let sent = outbox_count(&city);
    assert_eq!(sent, 22);
    // The next start resumes it: the reports are built again, the mail is not sent again.
    let resumed = rt.block_on(resume_unfinished(&app)).unwrap();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].outcome, RunOutcome::Succeeded);
    assert_eq!(outbox_count(&city), sent);
    let run = store
        .last_run(&config.city.code, ANNUAL_RUN)
        .unwrap()
        .unwrap();
    assert_eq!(run.outcome, Some(RunOutcome::Succeeded));
    assert!(rt.block_on(resume_unfinished(&app)).unwrap().is_empty());
}

/// A lease held by `owner` for `seconds` from the clock's now (negative: already run out).
fn held_by(clock: &Clock, owner: &str, seconds: i64) -> RunLease {
    RunLease {
        owner: owner.to_string(),
        until: stamp(clock.now() + chrono::Duration::seconds(seconds)),
    }
}

#[test]
fn a_run_held_by_a_live_daemon_is_never_taken_over_and_a_dead_ones_is_once() {
    let city = annual_only(None);
    let config = Config::load(&city.config_path()).unwrap();
    let (app, clock) = app_at(&config, jst(2021, 4, 15, 10, 0, 0));
    let rt = runtime();
    let scheduled_for = "2021-04-15T00:00:00Z";
    let mut store = common::open_store(&config);
    let now = stamp(clock.now());
    assert!(store
        .claim_run(
            &config.city.code,
            ANNUAL_RUN,
            scheduled_for,
            &now,
            &held_by(&clock, "live", 3600)
        )
        .unwrap());
    // Another daemon starting, or ticking, leaves the live run alone.
    assert!(rt.block_on(resume_unfinished(&app)).unwrap().is_empty());
    assert!(run_due_at(&rt, &app, &clock, jst(2021, 4, 15, 10, 0, 0)).is_empty());
    assert_eq!(outbox_count(&city), 0);
    // Its owner keeps renewing; a stranger cannot.
    let renew = |store: &mut Store, owner: &str, seconds: i64| {
        let lease = held_by(&clock, owner, seconds);
        let code = &config.city.code;
        store
            .renew_run(code, ANNUAL_RUN, scheduled_for, &lease)
            .unwrap()
    };
    assert!(renew(&mut store, "live", 3600));
    assert!(!renew(&mut store, "stranger", 3600));
    // The owner dies: once the lease has run out, exactly one taker wins.
    assert!(renew(&mut store, "live", -1));
    let takers: Vec<bool> = (0..4)
        .map(|i| {
            common::open_store(&config)
                .take_over_run(
                    &config.city.code,
                    ANNUAL_RUN,
                    scheduled_for,
                    &stamp(clock.now()),
                    &held_by(&clock, &format!("taker-{i}"), 3600),
                )
                .unwrap()
        })
        .collect();
    assert_eq!(takers.iter().filter(|t| **t).count(), 1, "{takers:?}");
}

#[test]
fn a_run_whose_lease_ran_out_is_resumed_by_the_next_daemon() {
    let city = annual_only(None);
    let config = Config::load(&city.config_path()).unwrap();
    let (app, clock) = app_at(&config, jst(2021, 4, 15, 10, 0, 0));
    let rt = runtime();
    let mut store = common::open_store(&config);
    assert!(store
        .claim_run(
            &config.city.code,
            ANNUAL_RUN,
            "2021-04-15T00:00:00Z",
            &stamp(clock.now()),
            &held_by(&clock, "killed", -1)
        )
        .unwrap());
    let ran = run_due_at(&rt, &app, &clock, jst(2021, 4, 15, 10, 0, 0));
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].outcome, RunOutcome::Succeeded);
    assert_eq!(
        store.runs_of(&config.city.code, ANNUAL_RUN).unwrap().len(),
        1
    );
}

#[test]
fn a_failing_run_is_recorded_and_the_next_time_still_runs() {
    let city = annual_only(None);
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    // Templates that are not there: the run fails.
    let broken = text.replace(
        &common::repo().join("templates").display().to_string(),
        "/nonexistent/templates",
    );
    std::fs::write(city.config_path(), broken).unwrap();
    let config = Config::load(&city.config_path()).unwrap();
    let (app, clock) = app_at(&config, jst(2021, 4, 15, 10, 0, 0));
    let rt = runtime();
    let ran = run_due_at(&rt, &app, &clock, jst(2021, 4, 15, 9, 0, 1));
    assert_eq!(ran[0].outcome, RunOutcome::Failed, "{:?}", ran[0]);
    assert!(ran[0].failure.is_some(), "a failed run keeps why");
    let store = common::open_store(&config);
    assert!(
        store
            .unfinished_run(&config.city.code, ANNUAL_RUN)
            .unwrap()
            .is_none(),
        "a failed run is closed, not left running"
    );
    let status = common::stdout_of(&city.hakusho(&["status"]));
    assert!(
        status.contains("年次実行: 前回 2021-04-15 09:00 JST (失敗: "),
        "{status}"
    );
    // A year later the schedule is still alive.
    let ran = run_due_at(&rt, &app, &clock, jst(2022, 4, 15, 9, 0, 1));
    assert_eq!(ran.len(), 1);
}

fn notices_city() -> (TestCity, Config) {
    let city = TestCity::new(None);
    // 都市再生部 has not submitted; the others have.
    std::fs::remove_file(city.inbox().join("令和2年度_都市再生部.xlsx")).unwrap();
    common::stdout_of(&city.hakusho(&[
        "ingest",
        city.inbox().join("令和2年度_企画部.xlsx").to_str().unwrap(),
    ]));
    let config = Config::load(&city.config_path()).unwrap();
    (city, config)
}

fn subjects(city: &TestCity) -> Vec<String> {
    let mut subjects: Vec<String> = std::fs::read_dir(city.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .map(|b| {
            mail_parser::MessageParser::default()
                .parse(&b)
                .unwrap()
                .subject()
                .unwrap()
                .to_string()
        })
        .filter(|s| !s.contains("受付結果"))
        .collect();
    subjects.sort();
    subjects
}

#[test]
fn reminders_go_to_departments_without_an_accepted_submission_in_the_days_before_the_deadline() {
    let (city, config) = notices_city(); // deadline 2021-04-09, reminders 7 days before
    let (app, clock) = app_at(&config, jst(2021, 3, 26, 9, 0, 5));
    let rt = runtime();
    // Two weeks early: nothing.
    run_due_at(&rt, &app, &clock, jst(2021, 3, 26, 9, 0, 5));
    assert!(subjects(&city).is_empty(), "{:#?}", subjects(&city));
    // Three days before: everyone but 企画部 is reminded, once.
    run_due_at(&rt, &app, &clock, jst(2021, 4, 6, 9, 0, 5));
    run_due_at(&rt, &app, &clock, jst(2021, 4, 6, 9, 30, 0));
    let reminders: Vec<_> = subjects(&city)
        .into_iter()
        .filter(|s| s.contains("ご提出のお願い"))
        .collect();
    assert_eq!(reminders.len(), 9, "{reminders:#?}");
    assert!(reminders.iter().all(|s| !s.contains("企画部")));
    assert!(reminders
        .iter()
        .any(|s| s.contains("都市再生部") && s.contains("期限 2021年4月9日")));
}

#[test]
fn after_the_deadline_the_managers_hear_who_is_missing_and_get_a_weekly_digest() {
    let (city, config) = notices_city();
    let (app, clock) = app_at(&config, jst(2021, 3, 26, 9, 0, 5));
    let rt = runtime();
    // Monday 12 April 2021: the digest at 09:00, the escalation at 10:00 (three days late).
    run_due_at(&rt, &app, &clock, jst(2021, 4, 12, 10, 0, 5));
    let subjects = subjects(&city);
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("提出期限を過ぎても未提出の部があります（9部）")),
        "{subjects:#?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("提出状況の週報（2021年4月12日）")),
        "{subjects:#?}"
    );
    assert_eq!(subjects.len(), 4, "each to both managers: {subjects:#?}");
    // Long after the collection: nothing more.
    run_due_at(&rt, &app, &clock, jst(2021, 6, 7, 10, 0, 5));
    assert_eq!(self::subjects(&city).len(), 4);
}
