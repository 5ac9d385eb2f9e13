//! Test support: CPU-feature checks that say so when part of a test cannot run here.

/// Whether a test part that needs `what` (a CPU feature set) can run, given `available`. When it
/// cannot, the test says so on the terminal (`SKIPPED …`, written past libtest's output capture,
/// so it shows for a passing test too), and fails instead when `RAMPART_REQUIRE_SIMD=1` says
/// this machine must run every SIMD path (set it in CI on a known CPU). `fallback` names what
/// still checks the same behaviour here.
pub fn can_run(test: &str, what: &str, available: bool, fallback: &str) -> bool {
    if available {
        return true;
    }
    assert!(
        std::env::var_os("RAMPART_REQUIRE_SIMD").is_none_or(|v| v != "1"),
        "{test}: this CPU lacks {what}, and RAMPART_REQUIRE_SIMD=1 requires every SIMD path"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: this CPU lacks {what} (the fallback is checked by {fallback})"
    );
    false
}
