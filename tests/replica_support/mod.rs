//! Shared by `tests/replicas.rs` and the benches `run_memory` and `hosted`: workbooks
//! that differ from each other, and the peak memory of real processes.
//!
//! Not a test program of its own: a folder's `mod.rs` is only compiled where a test or
//! a bench includes it (`#[path]`).

#![allow(dead_code)] // Each program uses its own part of this module.

pub mod hosting;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hakusho::config::Config;
use hakusho::intake::read_submission;
use hakusho::plan::Plan;
use hakusho::report::Coverage;
use hakusho::template::guide_text;
use hakusho::workbook::{write_workbook, Render, SubmissionContent};

/// `count` submission workbooks, each with its own bytes: the ten sample workbooks
/// rendered again in turn, each with its own submitter. Named
/// `令和2年度_<department>_<n>.xlsx`.
pub fn distinct_workbooks(count: usize) -> Vec<(String, Vec<u8>)> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&repo.join("data/hakusho.toml")).unwrap();
    let plan = Plan::load(&config.paths.plan).unwrap();
    let guide = guide_text(&config).unwrap();
    let samples = sample_contents(&config, &plan);
    (0..count)
        .map(|i| {
            let (department, content) = &samples[i % samples.len()];
            let mut content = content.clone();
            content.submitter = format!("担当者{i:05}");
            let sections = &config.department(department).unwrap().sections;
            let render = Render {
                plan: &plan,
                fiscal_year: config.fiscal_year(),
                sections,
                created: 0,
                findings: &[],
                guide: &guide,
            };
            let name = format!("{}_{department}_{i:05}.xlsx", config.fiscal_year());
            (name, write_workbook(&content, &render).unwrap())
        })
        .collect()
}

/// Each sample department's name and what its sample workbook holds.
fn sample_contents(config: &Config, plan: &Plan) -> Vec<(String, SubmissionContent)> {
    let fonts = Coverage::for_config(config).unwrap();
    config
        .departments
        .iter()
        .map(|d| {
            let path = config
                .paths
                .inbox
                .join(format!("{}_{}.xlsx", config.fiscal_year(), d.name));
            let reading = read_submission(&std::fs::read(path).unwrap(), config, plan, &fonts);
            (d.name.clone(), reading.content.unwrap())
        })
        .collect()
}

/// A process's peak resident memory so far (VmHWM), in kilobytes; none once it is gone.
pub fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// Waits for `child`, reading its VmHWM every few milliseconds: its exit status and
/// the last peak read (the process's own, not its children's).
pub fn wait_with_peak(child: &mut Child) -> (ExitStatus, u64) {
    let mut peak = 0;
    loop {
        if let Some(kb) = vm_hwm_kb(child.id()) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Reads the VmHWM of the processes it is given, on a thread of its own, until
/// dropped: each process's peak as last seen alive.
pub struct PeakSampler {
    peaks: Arc<Mutex<HashMap<u32, u64>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeakSampler {
    /// Starts sampling the processes `pids`.
    pub fn start(pids: Vec<u32>) -> PeakSampler {
        let peaks = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopping) = (Arc::clone(&peaks), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                sample(&pids, &seen);
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        PeakSampler {
            peaks,
            stop,
            thread: Some(thread),
        }
    }

    /// The peak seen of `pid`, in kilobytes (0 if never seen).
    pub fn peak_kb(&self, pid: u32) -> u64 {
        self.peaks.lock().unwrap().get(&pid).copied().unwrap_or(0)
    }
}

/// One reading of each process, kept where higher than before.
fn sample(pids: &[u32], peaks: &Mutex<HashMap<u32, u64>>) {
    for &pid in pids {
        if let Some(kb) = vm_hwm_kb(pid) {
            let mut peaks = peaks.lock().unwrap();
            let peak = peaks.entry(pid).or_insert(0);
            *peak = (*peak).max(kb);
        }
    }
}

impl Drop for PeakSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
