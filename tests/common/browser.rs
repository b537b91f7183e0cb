//! A real browser for the tests: Debian's Chromium, headless, driven through its
//! WebDriver server (chromedriver) with fantoccini.
//!
//! Included with `#[path = "common/browser.rs"] mod browser;` by the programs that
//! drive a browser only, so the other forty test programs do not compile the
//! WebDriver client.
//!
//! Every step's screenshot is kept as `target/test-output/browser/<test>/NN-<step>.png`,
//! and what the browser downloads lands in `downloads/` beside them.

#![allow(dead_code)] // Each browser test program uses its own part of this module.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many Chromiums one test program runs at once: each takes a few hundred MB and
/// a core while it renders, and the tests run in parallel.
const AT_ONCE: usize = 3;

/// The places of [`AT_ONCE`] (tokio's semaphore needs no runtime: each test has its own).
fn places() -> Arc<Semaphore> {
    static PLACES: OnceLock<Arc<Semaphore>> = OnceLock::new();
    PLACES
        .get_or_init(|| Arc::new(Semaphore::new(AT_ONCE)))
        .clone()
}

/// How long to wait for chromedriver to listen, or for a download to end, before
/// calling the test failed: a guard against hanging, not a measure of speed.
const PATIENCE: Duration = Duration::from_secs(60);

/// A runtime for the browser's client in a plain `#[test]` (the portal under test
/// runs on one of its own, which cannot be started inside another).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Chromium driven by chromedriver, with a fresh profile; chromedriver (and with it
/// Chromium) is killed on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
    driver_port: u16,
    /// The folder of this test's screenshots and downloads.
    pub output: PathBuf,
    /// Where Chromium saves downloads.
    pub downloads: PathBuf,
    _profile: tempfile::TempDir,
    step: AtomicU32,
    /// Dropped last: the next test's Chromium starts once this one is gone.
    _place: OwnedSemaphorePermit,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium for the test `test`; its output
    /// folder is emptied first, and printed.
    pub async fn start(test: &str) -> Browser {
        Browser::launch(test, true).await
    }

    /// The same with JavaScript turned off in Chromium's settings: the pages must
    /// work without it.
    pub async fn start_without_javascript(test: &str) -> Browser {
        Browser::launch(test, false).await
    }

    async fn launch(test: &str, javascript: bool) -> Browser {
        let (chromium, chromedriver) = programs();
        let place = places().acquire_owned().await.unwrap();
        let output = output_folder(test);
        let downloads = output.join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let (driver, driver_port) = start_driver(&chromedriver, &output);
        let profile = tempfile::tempdir().unwrap();
        let mut capabilities = capabilities(&chromium, profile.path(), &downloads);
        if !javascript {
            let prefs = &mut capabilities["goog:chromeOptions"]["prefs"];
            prefs["profile.managed_default_content_settings.javascript"] = json!(2);
        }
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "Chromium を起動できませんでした: {e} ({})",
                    log_hint(&output)
                )
            });
        let browser = Browser {
            client,
            driver,
            driver_port,
            output,
            downloads,
            _profile: profile,
            step: AtomicU32::new(0),
            _place: place,
        };
        browser.allow_downloads().await;
        println!(
            "ブラウザーのスクリーンショット: {}",
            browser.output.display()
        );
        browser
    }

    /// Saves a screenshot of the whole page (beyond the window when it is longer) as
    /// the next `NN-<step>.png`; returns its path.
    pub async fn shot(&self, step: &str) -> PathBuf {
        let number = self.step.fetch_add(1, Ordering::SeqCst) + 1;
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await;
        let size = &metrics["cssContentSize"];
        let clip =
            json!({"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1});
        let params = json!({"format": "png", "captureBeyondViewport": true, "clip": clip});
        let answer = self.cdp("Page.captureScreenshot", params).await;
        let data = answer["data"].as_str().expect("CDP の画像がありません");
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        let path = self.output.join(format!("{number:02}-{step}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Saves a screenshot of the window only (what a user sees without scrolling) as
    /// the next `NN-<step>.png`: the size for a README.
    pub async fn shot_window(&self, step: &str) -> PathBuf {
        let number = self.step.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = self
            .cdp("Page.captureScreenshot", json!({"format": "png"}))
            .await;
        let data = answer["data"].as_str().expect("CDP の画像がありません");
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        let path = self.output.join(format!("{number:02}-{step}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Waits for an element matching the CSS selector (the page it belongs to loaded).
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        let found = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(fantoccini::Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(e) => panic!("「{css}」が現れません ({e}): {}", self.body_text().await),
        }
    }

    /// Clicks the element matching the CSS selector.
    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    /// How long the page shown took from the click that asked for it to its last
    /// byte, redirects included (the Navigation Timing of Chromium), in milliseconds.
    pub async fn navigation_ms(&self) -> f64 {
        let script = "return performance.getEntriesByType('navigation')[0].responseEnd";
        let value = self.client.execute(script, vec![]).await.unwrap();
        value.as_f64().expect("a navigation timing")
    }

    /// The path of the page shown (`/132047/department`).
    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    /// Waits for the one download whose name ends with `suffix` to be complete (no
    /// `.crdownload` beside it) and returns its path.
    pub async fn downloaded(&self, suffix: &str) -> PathBuf {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(done) = finished_download(&self.downloads, suffix) {
                return done;
            }
            assert!(
                Instant::now() < deadline,
                "ダウンロード(…{suffix})が {} に現れません: {:?}",
                self.downloads.display(),
                listing(&self.downloads)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The page's text once it contains `wanted` (the page may still be loading: a
    /// body read while it navigates is simply read again).
    pub async fn wait_for_text(&self, wanted: &str) -> String {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let body = self.client.find(fantoccini::Locator::Css("body")).await;
            let text = match body {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(wanted) {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "「{wanted}」が現れません: {text}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Opens `url` again and again until its text contains `wanted` (a page that does
    /// not refresh itself, waiting for work done in the background); that text.
    pub async fn reload_until(&self, url: &str, wanted: &str) -> String {
        let deadline = Instant::now() + PATIENCE * 3;
        loop {
            self.client.goto(url).await.unwrap();
            let text = self.wait_for_text("").await;
            if text.contains(wanted) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "「{wanted}」が現れません: {text}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The text of the page's `<body>` as the user sees it.
    pub async fn body_text(&self) -> String {
        let body = self
            .client
            .find(fantoccini::Locator::Css("body"))
            .await
            .unwrap();
        body.text().await.unwrap()
    }

    /// Whether a JavaScript dialog (alert, confirm, prompt) is open.
    pub async fn dialog_is_open(&self) -> bool {
        self.client.get_alert_text().await.is_ok()
    }

    /// Sends one Chrome DevTools command through chromedriver (`goog/cdp/execute`);
    /// its answer's `value`. Sent by hand: fantoccini's own command trait names the
    /// `url` crate, which the tests do not depend on.
    pub async fn cdp(&self, command: &str, params: Value) -> Value {
        let session = self.client.session_id().await.unwrap().unwrap();
        let body = json!({"cmd": command, "params": params}).to_string();
        let path = format!("/session/{session}/goog/cdp/execute");
        let port = self.driver_port;
        let answer = tokio::task::spawn_blocking(move || post_json(port, &path, &body))
            .await
            .unwrap();
        let answer: Value = serde_json::from_str(&answer)
            .unwrap_or_else(|_| panic!("chromedriver の答えが JSON ではありません: {answer}"));
        assert!(
            answer["value"].get("error").is_none(),
            "CDP {command} が失敗しました: {answer}"
        );
        answer["value"].clone()
    }

    /// The messages of the page's console at the level of an error (a script that
    /// failed, a resource or an inline style the CSP refused) since the last call.
    pub async fn console_errors(&self) -> Vec<String> {
        let session = self.client.session_id().await.unwrap().unwrap();
        let path = format!("/session/{session}/se/log");
        let port = self.driver_port;
        let body = json!({"type": "browser"}).to_string();
        let answer = tokio::task::spawn_blocking(move || post_json(port, &path, &body))
            .await
            .unwrap();
        let answer: Value = serde_json::from_str(&answer).unwrap();
        let entries = answer["value"].as_array().cloned().unwrap_or_default();
        entries
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Lets Chromium save downloads into `downloads` without asking (headless Chromium
    /// refuses downloads unless told where they go).
    async fn allow_downloads(&self) {
        let folder = self.downloads.display().to_string();
        self.cdp(
            "Browser.setDownloadBehavior",
            json!({"behavior": "allow", "downloadPath": folder, "eventsEnabled": false}),
        )
        .await;
    }

    /// Ends the WebDriver session (Chromium quits); chromedriver ends on drop.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver, Chromium and Chromium's helpers.
        unsafe { libc::kill(-(self.driver.id() as i32), libc::SIGKILL) };
        let _ = self.driver.wait();
    }
}

/// The paths of `chromium` and `chromedriver`, or a failure that says how to get them:
/// a browser test is never skipped silently.
fn programs() -> (PathBuf, PathBuf) {
    let found = (find_in_path("chromium"), find_in_path("chromedriver"));
    match found {
        (Some(chromium), Some(driver)) => (chromium, driver),
        _ => panic!(
            "このテストには Chromium と chromedriver が要ります。scripts/test.sh を実行してください\
             (Debian の chromium と chromium-driver を入れてからテストを走らせます)。"
        ),
    }
}

/// The first executable file named `name` in `PATH`.
fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `target/test-output/browser/<test>/`, emptied.
fn output_folder(test: &str) -> PathBuf {
    let folder = super::common::repo()
        .join("target/test-output/browser")
        .join(test);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// Starts chromedriver on a free port of 127.0.0.1, its output in `chromedriver.log`
/// of the output folder, and waits until it says it listens. The port is free when
/// chosen but another program may take it first: then another port is tried.
fn start_driver(chromedriver: &Path, output: &Path) -> (Child, u16) {
    let log = output.join("chromedriver.log");
    for _ in 0..5 {
        let port = super::common::closed_port();
        let mut child = spawn_driver(chromedriver, port, &log);
        if wait_until_listening(&mut child, &log) {
            return (child, port);
        }
    }
    panic!(
        "chromedriver が待ち受けられませんでした:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// chromedriver on `port`, in a process group of its own, so that Drop ends Chromium
/// with it even when the test panicked before closing the session.
fn spawn_driver(chromedriver: &Path, port: u16, log: &Path) -> Child {
    Command::new(chromedriver)
        .process_group(0)
        // Chromium's own words (the file field's button) in Japanese, as a clerk sees them.
        .env("LANGUAGE", "ja")
        .arg(format!("--port={port}"))
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver を起動できませんでした")
}

/// Polls chromedriver's log for its "started successfully" line: false when it ended
/// first (its port was taken).
fn wait_until_listening(child: &mut Child, log: &Path) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains("started successfully") {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver が待ち受けません:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// WebDriver capabilities for a headless Chromium that neither phones home nor waits
/// for a network this machine does not have.
fn capabilities(chromium: &Path, profile: &Path, downloads: &Path) -> fantoccini::wd::Capabilities {
    let mut args = vec![
        "--headless".to_string(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-crash-reporter".into(),
        "--disable-breakpad".into(),
        "--disable-dev-shm-usage".into(),
        "--lang=ja".into(),
        "--window-size=1280,900".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    // Chromium's sandbox needs user namespaces that root in a container does not get.
    if unsafe { libc::geteuid() } == 0 {
        args.push("--no-sandbox".into());
    }
    let options = json!({
        "binary": chromium.display().to_string(),
        "args": args,
        "prefs": {
            "download.default_directory": downloads.display().to_string(),
            "download.prompt_for_download": false,
            "intl.accept_languages": "ja",
        },
    });
    let mut capabilities = fantoccini::wd::Capabilities::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    // The console's messages, for [`Browser::console_errors`].
    capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    capabilities
}

/// The complete download whose name ends with `suffix`, if there is one.
fn finished_download(folder: &Path, suffix: &str) -> Option<PathBuf> {
    let names = listing(folder);
    if names.iter().any(|n| n.ends_with(".crdownload")) {
        return None;
    }
    names
        .iter()
        .find(|n| n.ends_with(suffix))
        .map(|n| folder.join(n))
}

/// The names of the files in a folder.
fn listing(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Points to chromedriver's log when Chromium does not start.
fn log_hint(output: &Path) -> String {
    format!(
        "{} を見てください",
        output.join("chromedriver.log").display()
    )
}

/// POSTs a JSON body to chromedriver on 127.0.0.1:`port` and returns the answer's body.
/// The body is read by its Content-Length: chromedriver keeps the connection open
/// even when asked to close it.
fn post_json(port: u16, path: &str, body: &str) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream);
    let length = content_length(&mut reader);
    let mut answer = vec![0; length];
    reader.read_exact(&mut answer).unwrap();
    String::from_utf8(answer).unwrap()
}

/// Reads an HTTP answer's head; its Content-Length.
fn content_length(reader: &mut impl BufRead) -> usize {
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            return length.expect("chromedriver の答えに Content-Length がありません");
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
}
