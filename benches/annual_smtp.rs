//! The whole annual run as the daemon does it, measured from outside: the real binary
//! takes in the ten sample workbooks, builds every report and delivers every message to
//! an SMTP server on loopback. Prints wall time and peak memory (GNU time).
//! Target: under 1 s and under 100 MB.
//!
//! cargo bench --bench annual_smtp

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;

fn main() {
    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    for _ in 0..5 {
        let sink = common::SmtpSink::start();
        let city = common::TestCity::new(Some(sink.port));
        let output = Command::new("/usr/bin/time")
            .arg("-v")
            .arg(env!("CARGO_BIN_EXE_hakusho"))
            .args(["run", "--once", "--config"])
            .arg(city.config_path())
            .output()
            .expect("GNU time (the time package) is needed");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let field = |name: &str| {
            stderr
                .lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .map(|v| v.trim().to_string())
                .unwrap()
        };
        let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss): ");
        let (minutes, seconds) = wall.split_once(':').unwrap();
        walls.push(minutes.parse::<f64>().unwrap() * 60.0 + seconds.parse::<f64>().unwrap());
        peaks.push(
            field("Maximum resident set size (kbytes): ")
                .parse::<u64>()
                .unwrap(),
        );
        let delivered = sink.wait_for(22).len();
        assert_eq!(delivered, 22, "every message delivered");
    }
    walls.sort_by(f64::total_cmp);
    peaks.sort();
    println!(
        "annual run to loopback SMTP (10 workbooks, 26 reports, 22 copies delivered), median of 5:"
    );
    println!(
        "  wall time ..................... {:>8.2} s   (target < 1 s)",
        walls[2]
    );
    println!(
        "  peak memory ................... {:>8} kB  (target < 100 MB)",
        peaks[2]
    );
}
