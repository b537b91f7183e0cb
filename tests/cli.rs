//! The command line as a user meets it: help, and refusals that say what is wrong.

mod common;

use std::process::Command;

use common::TestCity;

fn hakusho(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hakusho"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn help_explains_each_command_in_a_sentence() {
    let output = hakusho(&["--help"]);
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains(
            "Runs the whole job: reads the inbox, builds the xlsx and PDF reports, mails them"
        ),
        "{help}"
    );
    assert!(
        help.contains("Starts the daemon, which runs the job on the configured schedule"),
        "{help}"
    );
    let run_help = String::from_utf8(hakusho(&["run", "--help"]).stdout).unwrap();
    assert!(
        run_help.contains("--once") && run_help.contains("--out"),
        "{run_help}"
    );
}

#[test]
fn an_unknown_configuration_key_stops_start_up_naming_it() {
    let city = TestCity::new(None);
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    std::fs::write(
        city.config_path(),
        text.replace("[report]", "[report]\nfont_size = 9"),
    )
    .unwrap();
    let output = city.hakusho(&["run", "--once"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unknown field `font_size`"), "{stderr}");
    assert!(stderr.contains("設定ファイル"), "{stderr}");
}

#[test]
fn run_without_once_points_to_serve() {
    let city = TestCity::new(None);
    let output = city.hakusho(&["run"]);
    assert!(!output.status.success());
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("hakusho serve"));
}
