//! The time is the application's clock: a test sets it, and everything the service
//! does happens then (the schedule's choice, the ledger, receipts, the outbox's
//! retry times), whatever the wall clock says.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{annual_only, jst, TestCity};
use hakusho::app::App;
use hakusho::config::Config;
use hakusho::daemon::run::ingest_files;
use hakusho::daemon::schedule::{run_due_jobs_once, ANNUAL_RUN};
use hakusho::domain::{stamp, Clock};
use hakusho::mail::outbox::{deliver_once, DeliveryStats};
use hakusho::store::{DeliveryState, RunOutcome};

fn app_at(city: &TestCity, at: DateTime<Utc>) -> (App, Clock) {
    let config = Config::load(&city.config_path()).unwrap();
    let clock = Clock::fixed(at);
    (App::new(config, clock.clone()), clock)
}

#[test]
fn a_due_job_runs_when_the_clock_says_and_everything_it_records_carries_that_time() {
    let city = annual_only(None);
    let (app, clock) = app_at(&city, jst(2021, 4, 15, 8, 59, 59));
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert!(
        rt.block_on(run_due_jobs_once(&app)).unwrap().is_empty(),
        "a second early: last year's run is out of the window"
    );
    clock.set(jst(2021, 4, 15, 9, 0, 0));
    let ran = rt.block_on(run_due_jobs_once(&app)).unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].outcome, RunOutcome::Succeeded);
    let nine = "2021-04-15T00:00:00Z";
    let store = rt.block_on(app.store().lock()).unwrap();
    let runs = store.runs_of(&app.config().city.code, ANNUAL_RUN).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].started_at.as_str(), runs[0].finished_at.as_deref()),
        (nine, Some(nine)),
        "the ledger reads the application's clock"
    );
    let states = store
        .latest_by_department(&app.config().city.code, app.config().fiscal_year())
        .unwrap();
    assert_eq!(states.len(), 10);
    for state in &states {
        assert_eq!(state.received_at, "2021-04-15T09:00:00+09:00");
    }
}

/// A configuration with mail to a port nothing listens on, retried after ten minutes.
fn unreachable_server() -> TestCity {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let city = annual_only(Some(port));
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    let text = text.replace("retry_seconds = 0", "retry_seconds = 600");
    std::fs::write(city.config_path(), text).unwrap();
    city
}

fn deliver_at(
    rt: &tokio::runtime::Runtime,
    app: &App,
    clock: &Clock,
    at: DateTime<Utc>,
) -> DeliveryStats {
    clock.set(at);
    rt.block_on(async {
        let mut store = app.store().lock().await.unwrap();
        deliver_once(app.config(), &mut store, app.mailer().unwrap(), app.clock()).await
    })
    .unwrap()
}

#[test]
fn a_failed_delivery_is_retried_after_the_injected_now_not_the_wall_clock() {
    let city = unreachable_server();
    let start = jst(2021, 4, 10, 12, 0, 0);
    // Entered before the application is made, so that it is dropped inside the
    // runtime: the SMTP pool ends with a task.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _entered = rt.enter();
    let (app, clock) = app_at(&city, start);
    let file = city.inbox().join("令和2年度_企画部.xlsx");
    let summary = rt.block_on(ingest_files(&app, vec![file])).unwrap();
    assert_eq!(summary.delivery.retried, 1, "{:?}", summary.delivery);
    let pending = {
        let store = rt.block_on(app.store().lock()).unwrap();
        store
            .deliveries_in(&app.config().city.code, DeliveryState::Pending)
            .unwrap()
    };
    assert_eq!(pending.len(), 1);
    // Ten minutes after the clock's now, to the second: the clock stood still while
    // the attempt took its real time.
    assert_eq!(
        pending[0].next_attempt_at,
        stamp(start + Duration::seconds(600))
    );
    let early = deliver_at(&rt, &app, &clock, start + Duration::seconds(300));
    assert_eq!(early.retried, 0, "not due five minutes on: {early:?}");
    let later = deliver_at(&rt, &app, &clock, start + Duration::seconds(700));
    assert_eq!(later.retried, 1, "due after ten minutes: {later:?}");
}
