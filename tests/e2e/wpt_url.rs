//! The Web Platform Tests' URL data (../shared/wpt-data), every case through
//! the JS API in `nano-host exec`.

use crate::common::*;

/// `$NANO_WPT_DATA`, else `shared/wpt-data` beside the checkout (or beside
/// one of its parents).
fn wpt_data(name: &str) -> String {
    let dir = std::env::var_os("NANO_WPT_DATA").map(std::path::PathBuf::from).unwrap_or_else(|| {
        let root = repo_root();
        root.ancestors()
            .skip(1)
            .map(|dir| dir.join("shared/wpt-data"))
            .find(|dir| dir.is_dir())
            .unwrap_or_else(|| root.join("../shared/wpt-data"))
    });
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{}: {e} (set NANO_WPT_DATA to the folder with the WPT URL data)", dir.join(name).display()))
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
