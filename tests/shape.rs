//! The code's shape stays as issue 10 left it: no import cycle between modules, each
//! module using only those listed above it in `src/lib.rs`, no function over 60 lines
//! (tests, benches and examples included), a median function length of at most 10
//! lines. `scripts/shape.py` measures it; this test fails when it does.

use std::process::Command;

#[test]
fn modules_have_no_cycle_and_functions_stay_short() {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new("python3")
        .arg(format!("{root}/scripts/shape.py"))
        .arg(format!("{root}/src"))
        .output()
        .expect("python3 runs scripts/shape.py");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("\ncycles: 0"), "{report}");
    assert!(!report.contains("over 60:"), "{report}");
    assert!(output.status.success(), "{report}");
}
