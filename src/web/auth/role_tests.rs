//! Roles from the configuration: every list, the precedence, the spelling of addresses.

use std::path::Path;

use super::{mailbox_of, normalize_address, Role};
use crate::config::Config;

/// The sample configuration, with `kikaku-bu@` (企画部) also a planner and
/// `somu-bu@` (総務部) also a manager.
fn config() -> Config {
    let sample = include_str!("../../../data/hakusho.toml");
    let text = sample
        .replace(
            "planning = [\"企画経営課 <kikaku@mitaka.example>\"]",
            "planning = [\"企画経営課 <kikaku@mitaka.example>\", \"兼務 <Kikaku-Bu@mitaka.example>\"]",
        )
        .replace(
            "recipients = [\"企画経営課長 <kikaku-kacho@mitaka.example>\",",
            "recipients = [\"総務 <somu-bu@mitaka.example>\", \"企画経営課長 <kikaku-kacho@mitaka.example>\",",
        );
    assert_ne!(text, sample);
    Config::from_toml(
        &text,
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data").as_path(),
    )
    .unwrap()
}

#[test]
fn each_list_gives_its_role_and_planning_then_department_then_manager_win() {
    let config = config();
    let role = |address: &str| Role::of(&config, address);
    assert_eq!(role("kikaku@mitaka.example"), Some(Role::Planning));
    assert_eq!(
        role("kikaku-bu@mitaka.example"),
        Some(Role::Planning),
        "planning first"
    );
    assert_eq!(
        role("somu-bu@mitaka.example"),
        Some(Role::Department("総務部".into()))
    );
    assert_eq!(
        role("kyoiku-bu@mitaka.example"),
        Some(Role::Department("教育部".into()))
    );
    assert_eq!(role("fukushicho@mitaka.example"), Some(Role::Manager));
    assert_eq!(role(" FUKUSHICHO@Mitaka.Example "), Some(Role::Manager));
    // As a mail program copies it: the address in the angle brackets.
    let pasted = "副市長室 <fukushicho@mitaka.example>";
    assert_eq!(role(pasted), Some(Role::Manager));
    for unknown in ["", "fukushicho", "fukushicho@mitaka", "x@mitaka.example"] {
        assert_eq!(role(unknown), None, "{unknown}");
    }
}

#[test]
fn the_configured_mailbox_keeps_its_display_name() {
    let config = config();
    let mailbox = mailbox_of(&config, "KYOIKU-BU@mitaka.example").unwrap();
    assert_eq!(mailbox.to_string(), "教育部 <kyoiku-bu@mitaka.example>");
    assert!(mailbox_of(&config, "nobody@mitaka.example").is_none());
}

#[test]
fn an_address_pasted_with_its_display_name_is_the_one_in_the_angle_brackets() {
    for pasted in [
        "市民部 <Kyoiku-Bu@mitaka.example>",
        " \"市民部\" <kyoiku-bu@mitaka.example> ",
        "<kyoiku-bu@mitaka.example>",
        "市民部 < kyoiku-bu@mitaka.example >",
        "市民部 <x@y> <kyoiku-bu@mitaka.example>",
    ] {
        let address = normalize_address(pasted);
        assert_eq!(
            address.as_deref(),
            Some("kyoiku-bu@mitaka.example"),
            "{pasted:?}"
        );
    }
}

#[test]
fn an_address_is_trimmed_lowered_and_refused_when_it_cannot_be_one() {
    assert_eq!(normalize_address("  A@B.jp ").as_deref(), Some("a@b.jp"));
    let long = format!("{}@b.jp", "a".repeat(250));
    for bad in [
        "",
        "@b",
        "a@",
        "a b@c",
        "a@b\u{0}",
        "a\n@b",
        long.as_str(),
        "市民部 <>",
        "市民部 <a b@c>",
        "<a@b> <c@d",
    ] {
        assert_eq!(normalize_address(bad), None, "{bad:?}");
    }
}
