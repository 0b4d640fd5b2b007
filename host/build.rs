//! Builds the JS engine (`guest-js/`) for wasm32-wasip2 and hands its path to
//! the host crate, which embeds it: `nano-host` is one self-contained binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let guest = root.join("guest-js");
    // patches/crates/rquickjs-sys: QuickJS as patched (scripts/patch-crates.sh).
    for watched in [
        "guest-js/src",
        "guest-js/quickjs",
        "guest-js/build.rs",
        "guest-js/Cargo.toml",
        "guest-js/Cargo.lock",
        "wit",
        "patches/crates/rquickjs-sys/.nano-patched",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=NANO_ENGINE_WASM");

    // A prebuilt engine may be supplied (e.g. to test a different build).
    if let Ok(prebuilt) = std::env::var("NANO_ENGINE_WASM") {
        println!("cargo:rustc-env=NANO_ENGINE_WASM={prebuilt}");
        return;
    }

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    // <target>/<profile>/build/nano-host-*/out -> <target>/engine: shared by
    // every profile so the engine is built once.
    let target_dir = out_dir.ancestors().nth(4).unwrap().join("engine");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&guest)
        .args(["build", "--release", "--locked", "--target", "wasm32-wasip2", "--target-dir"])
        .arg(&target_dir);
    // The outer build's flags are for the host target, not for the engine.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PROFILE_RELEASE_DEBUG",
    ] {
        cmd.env_remove(var);
    }
    for (var, _) in std::env::vars() {
        if var.starts_with("CARGO_FEATURE_") || var.starts_with("CARGO_CFG_") || var.starts_with("CARGO_PKG_") {
            cmd.env_remove(var);
        }
    }
    let stack_check = guest.join("quickjs/wasi_stack_check.h");
    // rquickjs-sys would download wasi-sdk; we compile QuickJS with the
    // system clang and wasi-libc headers instead (see README: setup).
    cmd.env("RQUICKJS_SYS_NO_WASI_SDK", "1")
        .env("CC_wasm32_wasip2", env_or("NANO_WASM_CC", "clang-19"))
        .env("AR_wasm32_wasip2", env_or("NANO_WASM_AR", "llvm-ar-19"))
        .env(
            "CFLAGS_wasm32_wasip2",
            format!(
                "-isystem {} -include {} -DNANO_WASI_STACK_CHECK={}",
                env_or("NANO_WASI_INCLUDE", "/usr/include/wasm32-wasi"),
                // QuickJS's stack check, on under WASI (see the header).
                stack_check.display(),
                // Its content in the flags, so that editing it rebuilds QuickJS.
                content_hash(&stack_check)
            ),
        );
    let status = cmd.status().expect("running cargo to build the engine (guest-js)");
    if !status.success() {
        panic!(
            "building the JS engine (guest-js) for wasm32-wasip2 failed; \
             run `just setup` (wasm32-wasip2 target, clang-19, wasi-libc headers)"
        );
    }
    let wasm = target_dir.join("wasm32-wasip2/release/nano_engine.wasm");
    println!("cargo:rustc-env=NANO_ENGINE_WASM={}", wasm.display());
}

/// A hash of a file's bytes (std's SipHash with fixed keys: the same on
/// every run).
fn content_hash(path: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

fn env_or(var: &str, default: &str) -> String {
    println!("cargo:rerun-if-env-changed={var}");
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}
