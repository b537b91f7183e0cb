//! The portal under test: the real router on 127.0.0.1:0 (with each connection's
//! peer known, as `serve` runs it), real cities in temporary folders with their real
//! store (SQLite, or a PostgreSQL database on the suite's PostgreSQL run), and the
//! loopback SMTP sink receiving the mail the delivery worker sends when rung. The
//! clock is a test clock, standing at the real now until a test moves it (the
//! `hakusho` binary, run beside, reads the system clock).

use std::net::SocketAddr;
use std::process::Output;
use std::sync::Arc;

use hakusho::app::App;
use hakusho::config::Config;
use hakusho::daemon::jobs::DaemonJobs;
use hakusho::domain::Clock;
use hakusho::mail::{DeliveryBell, DeliveryBells};
use hakusho::web::{self, Web};
use mail_parser::MessageParser;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use super::http::{Http, Reply};
use super::{SmtpSink, TestCity};

/// The first city's code and name (the sample's), and the second's.
pub const MITAKA: (&str, &str) = ("132047", "三鷹市");
pub const MUSASHINO: (&str, &str) = ("132039", "武蔵野市");

/// Addresses of the sample configuration, by role.
pub const DEPARTMENT: &str = "kikaku-bu@mitaka.example";
pub const OTHER_DEPARTMENT: &str = "somu-bu@mitaka.example";
pub const PLANNING: &str = "kikaku@mitaka.example";
pub const MANAGER: &str = "fukushicho@mitaka.example";

/// A running portal.
pub struct Portal {
    /// The cities' folders (and PostgreSQL databases), the first one's store shared by all.
    pub cities: Vec<TestCity>,
    /// The cities as the portal serves them.
    pub apps: Vec<App>,
    /// The clock every city reads.
    pub clock: Clock,
    /// Where the portal listens.
    pub addr: SocketAddr,
    /// The SMTP server the cities send to.
    pub sink: SmtpSink,
    tasks: Vec<JoinHandle<()>>,
    runtime: Option<Runtime>,
}

impl Portal {
    /// The sample city alone.
    pub fn start() -> Portal {
        Portal::with(1, |_, text| text)
    }

    /// `count` cities (三鷹市, then 武蔵野市 on the same store), each configuration text
    /// passed through `edit(index, text)` first.
    pub fn with(count: usize, edit: impl Fn(usize, String) -> String) -> Portal {
        let sink = SmtpSink::start();
        let cities: Vec<TestCity> = (0..count).map(|_| TestCity::new(Some(sink.port))).collect();
        for (i, city) in cities.iter().enumerate() {
            let text = std::fs::read_to_string(city.config_path()).unwrap();
            let text = if i == 0 {
                text
            } else {
                second_city(&text, &cities[0])
            };
            std::fs::write(city.config_path(), edit(i, text)).unwrap();
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let clock = Clock::fixed(chrono::Utc::now());
        let mut portal = Portal {
            cities,
            apps: Vec::new(),
            clock,
            addr: "127.0.0.1:1".parse().unwrap(),
            sink,
            tasks: Vec::new(),
            runtime: Some(runtime),
        };
        portal.restart();
        portal
    }

    /// Starts the portal anew (on a new port) from the configuration files as they
    /// are now: what an operator's restart after editing them does.
    pub fn restart(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
        let apps: Vec<App> = self
            .cities
            .iter()
            .map(|c| App::new(Config::load(&c.config_path()).unwrap(), self.clock.clone()))
            .collect();
        let runtime = self.runtime.as_ref().unwrap();
        let (addr, tasks) = runtime.block_on(async {
            let mut bells = DeliveryBells::new();
            let mut tasks = Vec::new();
            for app in &apps {
                let bell = DeliveryBell::new();
                bells.insert(app.config().city.code.clone(), bell.clone());
                tasks.push(web::testing::deliver_on_bell(app.clone(), bell));
            }
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let jobs = DaemonJobs::alone(&apps);
            let web = Web::with_jobs(apps.clone(), bells, Some(Arc::new(jobs)));
            tasks.push(web::serve_on(listener, web));
            (addr, tasks)
        });
        let old = std::mem::replace(&mut self.apps, apps);
        // The mailers' pools belong to the runtime: dropped inside it.
        runtime.block_on(async move { drop(old) });
        self.addr = addr;
        self.tasks = tasks;
    }

    /// A second portal process on the same stores and mail (a replica): its own rate
    /// counters. Returns its address; it stops with this portal.
    pub fn replica(&mut self) -> SocketAddr {
        let runtime = self.runtime.as_ref().unwrap();
        let apps = self.apps.clone();
        let (addr, task) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // A replica has its own turns, as another process would.
            let jobs = Some(Arc::new(DaemonJobs::alone(&apps)) as Arc<dyn web::jobs::Jobs>);
            let web = Web::with_jobs(apps, DeliveryBells::new(), jobs);
            (addr, web::serve_on(listener, web))
        });
        self.tasks.push(task);
        addr
    }

    /// A second portal process that shares nothing in memory with this one: the cities
    /// loaded again from their configuration files (their own store connections, as
    /// another replica's), its own turns, no bells, and a clock of its own standing
    /// `ahead` of this portal's (two replicas pressing in different seconds). Returns
    /// its address; it stops with this portal.
    pub fn replica_apart(&mut self, ahead: chrono::Duration) -> SocketAddr {
        let clock = Clock::fixed(self.clock.now() + ahead);
        let apps: Vec<App> = self
            .cities
            .iter()
            .map(|c| App::new(Config::load(&c.config_path()).unwrap(), clock.clone()))
            .collect();
        let runtime = self.runtime.as_ref().unwrap();
        let (addr, task) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let jobs = Some(Arc::new(DaemonJobs::alone(&apps)) as Arc<dyn web::jobs::Jobs>);
            let web = Web::with_jobs(apps, DeliveryBells::new(), jobs);
            (addr, web::serve_on(listener, web))
        });
        self.tasks.push(task);
        addr
    }

    /// A browser with no cookies.
    pub fn http(&self) -> Http {
        Http::new(self.addr)
    }

    /// The first city's application.
    pub fn app(&self) -> &App {
        &self.apps[0]
    }

    /// Asks for a sign-in link for `address` in `city` as a browser does: the form,
    /// then its POST with the form's token.
    pub fn request_link(&self, http: &mut Http, city: &str, address: &str) -> Reply {
        let form = http.get(&format!("/{city}/signin"));
        assert_eq!(form.status, 200, "{}", form.text());
        let csrf = form.csrf();
        http.post_form(
            &format!("/{city}/signin"),
            &[("csrf", &csrf), ("address", address)],
        )
    }

    /// Opens a link's page and presses its button: the answer of the POST.
    pub fn use_link(&self, http: &mut Http, path: &str) -> Reply {
        let page = http.get(path);
        if page.status == 410 {
            // A used or expired link is refused on its page already: no button.
            assert!(
                page.text().contains("このリンクは使えません"),
                "{}",
                page.text()
            );
            return page;
        }
        assert_eq!(page.status, 200, "{}", page.text());
        let csrf = page.csrf();
        http.post_form(path, &[("csrf", &csrf)])
    }

    /// Signs `address` in to `city` the whole way (form, mail, link, button): a
    /// browser holding the session.
    pub fn signed_in(&self, city: &str, address: &str) -> Http {
        let before = self.sink_count();
        let mut http = self.http();
        assert_eq!(self.request_link(&mut http, city, address).status, 200);
        let (to, path) = self.links(before + 1).pop().unwrap();
        assert_eq!(to, address);
        let used = self.use_link(&mut http, &path);
        assert_eq!(used.status, 303, "{}", used.text());
        http
    }

    /// How many messages the sink has received so far.
    pub fn sink_count(&self) -> usize {
        std::fs::read_dir(self.sink.folder.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "eml")
            })
            .count()
    }

    /// Waits for `count` messages and returns each one's recipient and link path
    /// (`/132047/signin/…`), checking the link starts with the city's base URL.
    pub fn links(&self, count: usize) -> Vec<(String, String)> {
        let received = self.sink.wait_for(count);
        assert_eq!(received.len(), count, "messages received");
        received
            .iter()
            .map(|(rcpt, raw)| (rcpt.join(","), self.link_in(raw)))
            .collect()
    }

    /// The link path of a sign-in mail.
    fn link_in(&self, raw: &[u8]) -> String {
        let message = MessageParser::default().parse(raw).unwrap();
        let body = message.body_text(0).unwrap().to_string();
        let line = body
            .lines()
            .map(str::trim)
            .find(|l| l.contains("/signin/"))
            .unwrap_or_else(|| panic!("no link in {body}"));
        let base = self
            .apps
            .iter()
            .map(|a| a.config().web.as_ref().unwrap().base().to_string())
            .find(|b| line.starts_with(b.as_str()))
            .unwrap_or_else(|| panic!("{line} does not start with a base URL"));
        line[base.len()..].to_string()
    }

    /// The real binary on the first city's configuration.
    pub fn hakusho(&self, args: &[&str]) -> Output {
        self.cities[0].hakusho(args)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
        let apps = std::mem::take(&mut self.apps);
        if let Some(runtime) = self.runtime.take() {
            // The mailers' pools belong to the runtime: dropped inside it.
            runtime.block_on(async move { drop(apps) });
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
        }
    }
}

/// The configuration of 武蔵野市: the sample's, renamed, its store the first city's.
fn second_city(text: &str, first: &TestCity) -> String {
    let text = text
        .replace("code = \"132047\"", &format!("code = \"{}\"", MUSASHINO.0))
        .replace("name = \"三鷹市\"", &format!("name = \"{}\"", MUSASHINO.1));
    match (&first.database, text.find("\n[store]")) {
        (Some(database), Some(at)) => {
            format!("{}{}", &text[..at], super::store::store_table(database))
        }
        _ => text.replace(
            "database = \"hakusho.sqlite3\"",
            &format!(
                "database = \"{}\"",
                first.path().join("hakusho.sqlite3").display()
            ),
        ),
    }
}
