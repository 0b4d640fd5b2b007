use crate::common::*;

fn build(app_path: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    nano().arg("build").arg(app_path).arg("-o").arg(out).output().unwrap()
}

#[test]
fn build_writes_a_component_that_runs() {
    let dir = scratch("build-ok");
    let out = dir.join("app.wasm");
    let res = build(&app("top_level_await.js"), &out);
    assert!(res.status.success(), "{}", text(&res.stderr));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..4], b"\0asm");
    let server = Server::start(&out);
    assert_eq!(server.get("/").text(), "awaited at build time");
}

#[test]
fn syntax_errors_fail_the_build_with_file_line_col() {
    let dir = scratch("build-syntax");
    let res = build(&app("syntax_error.js"), &dir.join("x.wasm"));
    assert_eq!(res.status.code(), Some(1));
    let err = text(&res.stderr);
    assert!(err.contains("syntax_error.js:3:"), "{err}");
    assert!(err.contains("SyntaxError"), "{err}");
    assert!(!dir.join("x.wasm").exists());
}

#[test]
fn top_level_exceptions_fail_the_build_with_their_location() {
    let dir = scratch("build-throw");
    let res = build(&app("top_level_throw.js"), &dir.join("x.wasm"));
    assert_eq!(res.status.code(), Some(1));
    let err = text(&res.stderr);
    assert!(err.contains("top_level_throw.js:3:"), "{err}");
    assert!(err.contains("Error: config is not ready"), "{err}");
}

#[test]
fn an_app_without_a_handler_is_a_build_error() {
    let dir = scratch("build-nohandler");
    let res = build(&app("no_handler.js"), &dir.join("x.wasm"));
    assert_eq!(res.status.code(), Some(1));
    assert!(text(&res.stderr).contains("no fetch handler"), "{}", text(&res.stderr));
}

#[test]
fn run_reports_build_errors_of_js_apps() {
    let res = nano().arg("run").arg(app("syntax_error.js")).arg("--listen").arg("127.0.0.1:0").output().unwrap();
    assert_eq!(res.status.code(), Some(1));
    assert!(text(&res.stderr).contains("syntax_error.js:3:"), "{}", text(&res.stderr));
}

#[test]
fn malformed_wasm_is_rejected_clearly() {
    let dir = scratch("bad-wasm");
    let path = dir.join("garbage.wasm");
    std::fs::write(&path, b"\0asm\x0d\0\x01\0this is not a component").unwrap();
    let res = nano().arg("run").arg(&path).arg("--listen").arg("127.0.0.1:0").output().unwrap();
    assert_eq!(res.status.code(), Some(1));
    let err = text(&res.stderr);
    assert!(err.contains("garbage.wasm"), "{err}");
}

#[test]
fn components_importing_what_nano_does_not_provide_fail_at_startup() {
    let dir = scratch("bad-import");
    let path = dir.join("fs.wasm");
    // A component (in the text format wasmtime also reads) that wants a filesystem.
    std::fs::write(
        &path,
        r#"(component (import "wasi:filesystem/types@0.2.12" (instance (export "get-type" (func)))))"#,
    )
    .unwrap();
    let res = nano().arg("run").arg(&path).arg("--listen").arg("127.0.0.1:0").output().unwrap();
    assert_eq!(res.status.code(), Some(1));
    let err = text(&res.stderr);
    assert!(err.contains("wasi:filesystem/types@0.2.12"), "{err}");
    assert!(err.contains("does not provide"), "{err}");
}

#[test]
fn apps_cannot_import_the_engines_internal_modules() {
    // The prelude's modules and its natives are `nano:` modules; an app that
    // reached them could skip the web APIs' checks (e.g. export a
    // non-extractable key). Statically and dynamically, the build says no.
    let dir = scratch("build-internal-import");
    for (name, source) in [
        (
            "natives.js",
            "import * as n from 'nano:native';\nexport default { fetch() { return new Response(String(n)); } };\n",
        ),
        ("prelude.js", "import { fetch } from 'nano:fetch/fetch.js';\nexport default { fetch };\n"),
        (
            "dynamic.js",
            "const n = await import('nano:native');\nexport default { fetch() { return new Response(String(n)); } };\n",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, source).unwrap();
        let res = build(&path, &dir.join("x.wasm"));
        assert_eq!(res.status.code(), Some(1), "{name}");
        let err = text(&res.stderr);
        // At the import when it is static, when it runs when it is dynamic.
        let refused = err.contains("cannot import 'nano:") && err.contains("internal to the engine");
        assert!(err.contains(&format!("{name}:")) && refused, "{name}: {err}");
        assert!(!dir.join("x.wasm").exists());
    }
}

#[test]
fn imports_of_other_files_are_built_in() {
    let dir = scratch("build-import");
    let path = dir.join("app.js");
    std::fs::write(dir.join("other.js"), "export const x = 1;\n").unwrap();
    std::fs::write(
        &path,
        "import { x } from './other.js';\nexport default { fetch() { return new Response(String(x)); } };\n",
    )
    .unwrap();
    let res = build(&path, &dir.join("x.wasm"));
    assert!(res.status.success(), "{}", text(&res.stderr));
    assert!(text(&res.stderr).contains("2 modules (0 from node_modules)"), "{}", text(&res.stderr));
}

#[test]
fn an_app_named_like_an_internal_module_cannot_import_them_either() {
    // The app is declared under its file name; one that looks like a
    // prelude module's (`nano:hooks.js`) must not pass for one.
    let dir = scratch("build-internal-name");
    for name in ["nano:app.mjs", "nano:hooks.js"] {
        let path = dir.join(name);
        // A computed specifier passes the build's resolution and meets the
        // engine's: it knows only what the build resolved.
        std::fs::write(
            &path,
            "const n = await import(['nano', 'native'].join(':'));\nexport default { fetch() { return new Response(String(n.randomBytes(8))); } };\n",
        )
        .unwrap();
        let res = build(&path, &dir.join("x.wasm"));
        assert_eq!(res.status.code(), Some(1), "{name}");
        let err = text(&res.stderr);
        assert!(err.contains("Error resolving module 'nano:native'"), "{name}: {err}");
        assert!(err.contains("only specifiers written as string literals"), "{name}: {err}");
        assert!(!dir.join("x.wasm").exists());
    }
}
