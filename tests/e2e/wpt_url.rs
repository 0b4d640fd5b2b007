//! The Web Platform Tests' URL data (tests/wpt-data, see its README), every
//! case through the JS API in `nano-host exec`.

use crate::common::*;

/// The vendored copy in tests/wpt-data, or `$NANO_WPT_DATA` (to try another).
fn wpt_data(name: &str) -> String {
    let dir = std::env::var_os("NANO_WPT_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("tests/wpt-data"));
    let path = dir.join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading the WPT URL data {}: {e}", path.display()))
}

#[test]
fn wpt_url_constructor_origin_and_setters() {
    let runner = std::fs::read_to_string(repo_root().join("tests/scripts/wpt_url.js")).unwrap();
    let script = format!(
        "const urlTestData = {};\nconst settersTestData = {};\n{runner}",
        wpt_data("urltestdata.json"),
        wpt_data("setters_tests.json")
    );
    let path = scratch("wpt-url").join("wpt_url.js");
    std::fs::write(&path, script).unwrap();
    let out = exec(&path, &[]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let summary = stdout.lines().last().unwrap_or_default().to_string();
    let passed: usize = summary.split(' ').nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
    // Guard against a runner that silently skips the data.
    assert!(passed > 1000, "{summary}");
    assert!(summary.ends_with("failed 0"), "{summary}\n{stderr}");
}
