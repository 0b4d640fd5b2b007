//! The fuzz targets' seeds and every input a fuzzer ever found
//! (`fuzz/seeds/<target>/`), replayed through the same entry points as
//! `just fuzz` uses: a finding, once fixed, stays fixed.

use crate::common::repo_root;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo_root().join("fuzz/seeds").join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap())
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no seeds for {target}");
    inputs
}

#[test]
fn guest_inputs_to_the_host() {
    for (_, data) in inputs("clone_wire") {
        nano_host::fuzzing::clone_wire(&data);
    }
    for (_, data) in inputs("crypto_import") {
        nano_host::fuzzing::crypto_import(&data);
    }
    for (_, data) in inputs("url") {
        nano_host::fuzzing::url_parse_and_set(&data);
    }
    for (_, data) in inputs("compression") {
        nano_host::fuzzing::compression(&data);
    }
}

#[test]
fn client_bytes_through_the_request_path() {
    let target = nano_host::fuzzing::HttpTarget::new();
    for (name, data) in inputs("http_request") {
        let out = target.run(&data);
        let text = String::from_utf8_lossy(&out);
        // Whatever the bytes, the server answers with a status line or closes.
        assert!(out.is_empty() || text.starts_with("HTTP/1."), "{name}: {text}");
        if name == "get" {
            assert!(text.starts_with("HTTP/1.1 200") && text.contains(r#"["GET","http://x/a?b=1""#), "{name}: {text}");
        }
        if name == "no_host" {
            assert!(text.starts_with("HTTP/1.0 400") || text.starts_with("HTTP/1.1 400"), "{name}: {text}");
        }
    }
}
