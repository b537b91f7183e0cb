//! The department portal under load: upload → answer page latency (p50, p99) with 1, 10
//! and 50 clients uploading at once, and the daemon's memory, against the real
//! `hakusho serve` on loopback (SQLite store, mail into the outbox folder).
//!
//! One upload is the whole of what a clerk waits for: the `POST /{city}/upload` of a
//! sample workbook (each with its own bytes, so none is "already received") and the
//! `GET` of the submission page it answers with. The reference, measured in the same
//! run: the same workbooks' intake alone, one at a time, in the sandboxed child the
//! service uses (`intake::read_bytes`): what an upload cannot be faster than. The
//! figures are printed as milliseconds and as ratios to that reference.
//!
//! Then the planning division's console and the managers' page on the same daemon, after
//! those uploads: 「今すぐ実行」 until the run is in the ledger as finished, and each
//! page's latency (one client, then 10 at once), against the style sheet's (the
//! cheapest answer the portal gives) measured in the same run.
//!
//! cargo bench --bench portal          (add `--profile dev` to reuse the debug build)
//! HAKUSHO_BENCH_UPLOADS: uploads per level (default 100; at least one per client).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "portal/console.rs"]
mod console;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::http::Http;
use common::TestCity;
use hakusho::app::App;
use hakusho::config::Config;
use hakusho::domain::Clock;
use hakusho::intake::{read_bytes, Intake};
use hakusho::plan::Plan;
use hakusho::template::guide_text;
use hakusho::workbook::{write_workbook, Render};

/// The numbers of clients uploading at once.
const LEVELS: [usize; 3] = [1, 10, 50];

/// How many workbooks the reference takes in.
const REFERENCE_FILES: usize = 20;

/// A department's workbook variants and who uploads them.
struct Department {
    address: String,
    variants: Vec<Vec<u8>>,
}

/// One level's figures.
struct Level {
    clients: usize,
    latencies: Vec<Duration>,
    wall: Duration,
    peak_kb: u64,
    resident_kb: u64,
}

fn main() -> anyhow::Result<()> {
    let uploads = env_number("HAKUSHO_BENCH_UPLOADS", 100);
    let city = TestCity::new(None);
    // The sample inbox would be taken in by the daemon while the clients upload.
    for entry in std::fs::read_dir(city.inbox())? {
        std::fs::remove_file(entry?.path())?;
    }
    let port = free_port();
    set_listen(&city, port)?;
    let config = Config::load(&city.config_path())?;
    let plan = Plan::load(&config.paths.plan)?;
    let fonts = hakusho::report::Coverage::for_config(&config)?;
    let intake = Intake {
        config: &config,
        plan: &plan,
        fonts: &fonts,
        earlier: &hakusho::store::NO_EARLIER_FIGURES,
        upload: None,
    };
    let departments = workbooks(intake, variants_needed(config.departments.len(), uploads))?;
    let reference = reference_intake(intake, &departments)?;
    let daemon = Daemon::start(&city, port)?;
    let app = App::new(config, Clock::system());
    let idle_kb = daemon.memory_kb().1;
    let mut levels = Vec::new();
    let mut next_variant = vec![0; departments.len()];
    for clients in LEVELS {
        let level = measure(
            &app,
            &daemon,
            &departments,
            &mut next_variant,
            clients,
            uploads,
        )?;
        levels.push(level);
    }
    print_figures(&reference, idle_kb, &levels);
    console::measure_pages(&app, &daemon)?;
    daemon.stop();
    Ok(())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A port of 127.0.0.1 free a moment ago.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The city's portal on `port` (the tests' cities listen on a port of their own).
fn set_listen(city: &TestCity, port: u16) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(city.config_path())?;
    let text = text.replace(
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"127.0.0.1:{port}\""),
    );
    std::fs::write(city.config_path(), text)?;
    Ok(())
}

/// Each department's sample workbook, as `count` variants with their own bytes (the
/// submitter's name differs), and the first address of its recipients.
fn workbooks(intake: Intake, count: usize) -> anyhow::Result<Vec<Department>> {
    let (config, plan) = (intake.config, intake.plan);
    let guide = guide_text(config)?;
    let samples = common::repo().join("data/inbox");
    config
        .departments
        .iter()
        .map(|department| {
            let file = samples.join(format!("{}_{}.xlsx", config.fiscal_year(), department.name));
            let content = read_bytes(&std::fs::read(file)?, "", intake)?
                .content
                .expect("a sample workbook reads");
            let render = Render {
                plan,
                fiscal_year: config.fiscal_year(),
                sections: &department.sections,
                created: 0,
                findings: &[],
                guide: &guide,
            };
            let variants = (0..count)
                .map(|i| {
                    let mut content = content.clone();
                    content.submitter = format!("担当者{i:04}");
                    Ok(write_workbook(&content, &render)?)
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(Department {
                address: department.recipients[0].0.email.to_string(),
                variants,
            })
        })
        .collect()
}

/// The reference: intake alone (the sandboxed child, every check), one workbook at a
/// time, of workbooks like the uploaded ones.
fn reference_intake(intake: Intake, departments: &[Department]) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::new();
    for i in 0..REFERENCE_FILES {
        let department = &departments[i % departments.len()];
        let bytes = department.variants.last().expect("variants");
        let start = Instant::now();
        read_bytes(bytes, "参考.xlsx", intake)?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times)
}

/// How many variants of each department's workbook the levels upload at most: client
/// `i` uploads for department `i % departments`, upload `n` is client `n % clients`'s.
fn variants_needed(departments: usize, uploads: usize) -> usize {
    let mut need = vec![0; departments];
    for clients in LEVELS {
        for n in 0..uploads.max(clients) {
            need[(n % clients) % departments] += 1;
        }
    }
    need.into_iter().max().unwrap_or(0)
}

/// The real daemon, serving the city's portal.
struct Daemon {
    child: Child,
    addr: SocketAddr,
}

impl Daemon {
    /// Starts `hakusho serve` and waits until its portal answers.
    fn start(city: &TestCity, port: u16) -> anyhow::Result<Daemon> {
        let child = Command::new(env!("CARGO_BIN_EXE_hakusho"))
            .args(["serve", "--config"])
            .arg(city.config_path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let daemon = Daemon {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::net::TcpStream::connect(daemon.addr).is_err() {
            anyhow::ensure!(Instant::now() < deadline, "the portal did not open");
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(daemon)
    }

    /// The daemon's (peak, current) resident memory in kilobytes: VmHWM, VmRSS.
    fn memory_kb(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// SIGTERM, as an operator stops it, and waits.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = self.child.wait();
    }
}

/// A bench that fails half-way leaves no daemon behind.
impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One client: its session's cookie and token, and its department.
struct Client {
    http: Http,
    csrf: String,
    department: usize,
}

/// `clients` clients at once, `uploads` uploads among them, each a variant not sent
/// before; every answer must be the submission's page.
fn measure(
    app: &App,
    daemon: &Daemon,
    departments: &[Department],
    next_variant: &mut [usize],
    clients: usize,
    uploads: usize,
) -> anyhow::Result<Level> {
    let code = app.config().city.code.clone();
    let mut work: Vec<(Client, Vec<Vec<u8>>)> = (0..clients)
        .map(|i| (client(app, daemon, departments, i), Vec::new()))
        .collect();
    for n in 0..uploads.max(clients) {
        let (client, files) = &mut work[n % clients];
        let department = client.department;
        files.push(departments[department].variants[next_variant[department]].clone());
        next_variant[department] += 1;
    }
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    std::thread::scope(|scope| {
        for (client, files) in work {
            let (latencies, code) = (Arc::clone(&latencies), code.clone());
            scope.spawn(move || upload_all(client, files, &code, &latencies));
        }
    });
    let wall = start.elapsed();
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort();
    let (peak_kb, resident_kb) = daemon.memory_kb();
    Ok(Level {
        clients,
        latencies,
        wall,
        peak_kb,
        resident_kb,
    })
}

/// A signed-in client of department `i % 10`.
fn client(app: &App, daemon: &Daemon, departments: &[Department], i: usize) -> Client {
    let department = i % departments.len();
    let cookie = hakusho::web::testing::sign_in(app, &departments[department].address);
    let csrf = hakusho::web::testing::csrf_of(app, &cookie);
    let mut http = Http::new(daemon.addr);
    let code = &app.config().city.code;
    http.set_cookie(&format!("/{code}/"), "hakusho_session", &cookie);
    Client {
        http,
        csrf,
        department,
    }
}

/// Uploads each file and reads the answer page, timing the two together.
fn upload_all(
    mut client: Client,
    files: Vec<Vec<u8>>,
    code: &str,
    latencies: &Mutex<Vec<Duration>>,
) {
    for bytes in files {
        let start = Instant::now();
        let posted = client.http.post_multipart(
            &format!("/{code}/upload"),
            &[("csrf", &client.csrf)],
            &[("file", "提出用ブック.xlsx", &bytes)],
        );
        assert_eq!(
            posted.status,
            303,
            "{}",
            String::from_utf8_lossy(&posted.body)
        );
        let page = client.http.get(posted.location());
        let elapsed = start.elapsed();
        assert_eq!(page.status, 200, "{}", page.text());
        assert!(
            page.text().contains("受理"),
            "no verdict on the answer page"
        );
        latencies.lock().unwrap().push(elapsed);
    }
}

/// The share `q` of sorted durations.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn print_figures(reference: &[Duration], idle_kb: u64, levels: &[Level]) {
    let base = quantile(reference, 0.5);
    println!(
        "reference: intake alone (sandboxed child), {} workbooks one at a time: p50 {:.1} ms, p99 {:.1} ms",
        reference.len(),
        millis(base),
        millis(quantile(reference, 0.99))
    );
    println!(
        "daemon resident memory before the uploads: {:.1} MB",
        idle_kb as f64 / 1024.0
    );
    println!("| clients | uploads | p50 ms | p99 ms | p50 × ref | p99 × ref | uploads/s | daemon peak MB | daemon now MB |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for level in levels {
        let (p50, p99) = (
            quantile(&level.latencies, 0.5),
            quantile(&level.latencies, 0.99),
        );
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            level.clients,
            level.latencies.len(),
            millis(p50),
            millis(p99),
            p50.as_secs_f64() / base.as_secs_f64(),
            p99.as_secs_f64() / base.as_secs_f64(),
            level.latencies.len() as f64 / level.wall.as_secs_f64(),
            level.peak_kb as f64 / 1024.0,
            level.resident_kb as f64 / 1024.0,
        );
    }
}
