//! The console's and the summary's pages under the bench's daemon (see `portal.rs`).

use std::time::{Duration, Instant};

use super::common::http::Http;
use super::{millis, quantile, Daemon};
use hakusho::app::App;
use hakusho::store::ANNUAL_RUN;

/// How many times each page is read by one client.
const READS: usize = 20;
/// The clients reading a page at once in the second round.
const AT_ONCE: usize = 10;

/// The pages measured, as (who reads it, path under the city).
const PAGES: [(Who, &str); 11] = [
    (Who::Planning, "console"),
    (Who::Planning, "console/runs"),
    (Who::Planning, "console/outbox?state=sent"),
    (Who::Planning, "console/reports"),
    (Who::Planning, "console/explain?item=1-1.1"),
    (Who::Planning, "console/collection"),
    (Who::Planning, "console/preview"),
    (Who::Manager, "summary"),
    (Who::Manager, "summary/charts/1-1.1.svg"),
    (Who::Nobody, "/metrics"),
    (Who::Nobody, "/healthz"),
];

#[derive(Clone, Copy)]
enum Who {
    Planning,
    Manager,
    Nobody,
}

/// Runs the annual job from the console, then reads each page: prints the run's time
/// and each page's p50/p99 against the style sheet's.
pub fn measure_pages(app: &App, daemon: &Daemon) -> anyhow::Result<()> {
    let run = run_now(app, daemon)?;
    println!(
        "「今すぐ実行」 → the run succeeded in the ledger: {:.1} s",
        run.as_secs_f64()
    );
    let reference = reads(app, daemon, Who::Nobody, "/assets/hakusho.css", READS);
    let base = quantile(&reference, 0.5);
    println!(
        "reference: GET /assets/hakusho.css p50 {:.1} ms",
        millis(base)
    );
    println!(
        "| page | p50 ms (1 client) | p99 ms | p50 × ref | p50 ms ({AT_ONCE} at once) | p99 ms |"
    );
    println!("|---|---|---|---|---|---|");
    for (who, path) in PAGES {
        let alone = reads(app, daemon, who, path, READS);
        let crowd = at_once(app, daemon, who, path);
        let (p50, p99) = (quantile(&alone, 0.5), quantile(&alone, 0.99));
        println!(
            "| `{path}` | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            millis(p50),
            millis(p99),
            p50.as_secs_f64() / base.as_secs_f64(),
            millis(quantile(&crowd, 0.5)),
            millis(quantile(&crowd, 0.99)),
        );
    }
    println!(
        "daemon peak after the pages: {:.1} MB",
        daemon.memory_kb().0 as f64 / 1024.0
    );
    Ok(())
}

/// Presses 「今すぐ実行」 and waits until the ledger has no unfinished annual run.
fn run_now(app: &App, daemon: &Daemon) -> anyhow::Result<Duration> {
    let mut http = signed(app, daemon, Who::Planning);
    let code = app.config().city.code.clone();
    let cookie = http.cookie("hakusho_session").unwrap_or_default();
    let csrf = hakusho::web::testing::csrf_of(app, &cookie);
    let start = Instant::now();
    let pressed = http.post_form(&format!("/{code}/console/run"), &[("csrf", &csrf)]);
    anyhow::ensure!(pressed.status == 303, "run now: {}", pressed.text());
    let store = app.store().separate()?;
    while store.unfinished_run(&code, ANNUAL_RUN)?.is_some()
        || store.last_run(&code, ANNUAL_RUN)?.is_none()
    {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(1800),
            "the run did not finish"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let took = start.elapsed();
    let outcome = store.last_run(&code, ANNUAL_RUN)?.and_then(|r| r.outcome);
    anyhow::ensure!(
        outcome == Some(hakusho::store::RunOutcome::Succeeded),
        "the run did not succeed: {outcome:?}"
    );
    Ok(took)
}

/// A client signed in as `who` (nobody: no cookie).
fn signed(app: &App, daemon: &Daemon, who: Who) -> Http {
    let mut http = Http::new(daemon.addr);
    let address = match who {
        Who::Planning => "kikaku@mitaka.example",
        Who::Manager => "kikaku-kacho@mitaka.example",
        Who::Nobody => return http,
    };
    let cookie = hakusho::web::testing::sign_in(app, address);
    let code = &app.config().city.code;
    http.set_cookie(&format!("/{code}/"), "hakusho_session", &cookie);
    http
}

/// `count` reads of a page by one client, sorted; each must be a 200.
fn reads(app: &App, daemon: &Daemon, who: Who, path: &str, count: usize) -> Vec<Duration> {
    let mut http = signed(app, daemon, who);
    let url = match path.strip_prefix('/') {
        Some(_) => path.to_string(),
        None => format!("/{}/{path}", app.config().city.code),
    };
    let mut times: Vec<Duration> = (0..count)
        .map(|_| {
            let start = Instant::now();
            let reply = http.get(&url);
            let took = start.elapsed();
            assert_eq!(reply.status, 200, "{url}: {}", reply.text());
            took
        })
        .collect();
    times.sort();
    times
}

/// [`AT_ONCE`] clients reading the page [`READS`] / 4 times each at once.
fn at_once(app: &App, daemon: &Daemon, who: Who, path: &str) -> Vec<Duration> {
    let mut all: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..AT_ONCE)
            .map(|_| scope.spawn(|| reads(app, daemon, who, path, READS / 4)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    all.sort();
    all
}
