# nano's tasks. On a fresh machine use ./dev <recipe> (installs the toolchain first).

export CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", justfile_directory() / "target")
bin := CARGO_TARGET_DIR / "release" / "nano-host"

# Install the toolchain (wasm32-wasip2 target, clang-19, wasi-libc, just).
setup:
    scripts/setup.sh

# The dependencies nano carries a patch for (patches/README.md), written
# into patches/crates before anything builds.
[private]
patched:
    scripts/patch-crates.sh

# Build nano-host (and the JS engine it embeds).
build: patched
    cargo build --release -p nano-host

# Serve an app: just run examples/hello.js [--listen 127.0.0.1:8080]
run app *args: build
    {{bin}} run {{app}} {{args}}

# Run a script: just exec script.js
exec script *args: build
    {{bin}} exec {{script}} {{args}}

# Formatting (rustfmt.toml) and lints (clippy, warnings are errors) of the
# host workspace (host, bench, tests), fuzz/ and the guest (wasm32-wasip2).
check: patched
    cargo fmt --all --check
    cargo fmt --check --manifest-path fuzz/Cargo.toml
    cargo clippy --workspace --all-targets --release --locked -- -D warnings
    cargo clippy --manifest-path fuzz/Cargo.toml --all-targets --release --locked -- -D warnings
    cd guest-js && cargo fmt --check
    cd guest-js && cargo clippy --release --locked --all-targets --target-dir {{CARGO_TARGET_DIR}}/engine -- -D warnings

# All tests: unit tests and end-to-end tests over real HTTP on 127.0.0.1.
test: patched
    cargo test --release --workspace -- --test-threads 2
    # The engine's unit tests (e.g. the hook resolver) run natively: its
    # code is plain Rust over QuickJS, only the WIT imports need the host.
    cd guest-js && cargo test --release --locked --lib --target "$(rustc -vV | sed -n 's/^host: //p')" --target-dir {{CARGO_TARGET_DIR}}/guest-native

# The soak: one server, thousands of requests from healthy clients and attackers
# (throwing, spinning, memory-hungry, decompression bombs, slow and vanishing
# clients); asserts no crash, the healthy p99 and host RSS afterwards.
soak requests="5000": patched
    NANO_SOAK_REQUESTS={{requests}} cargo test --release -p nano-host --test e2e -- soak --nocapture --test-threads 1

# Fuzz the host's inputs (clone wire format, key import, URL, compression, raw
# HTTP), each target for `secs` seconds; cargo-fuzz on stable Rust, without
# sanitizers. Inputs that find something go into fuzz/seeds/<target>/.
fuzz secs="60" *targets="clone_wire crypto_import url compression http_request":
    command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
    cd fuzz && for t in {{targets}}; do \
        mkdir -p corpus/$t && cp -n seeds/$t/* corpus/$t/ 2>/dev/null; \
        CARGO_TARGET_DIR={{CARGO_TARGET_DIR}}/fuzz cargo fuzz run --sanitizer none --release $t corpus/$t -- -max_total_time={{secs}} -timeout=10 -rss_limit_mb=4096 || exit 1; \
    done

# Benchmarks (bench/), each next to a baseline from the same run; also written
# as JSON to $CARGO_TARGET_DIR/bench/results.json (or --json PATH). Options:
# just bench --app app.js --requests N
bench *args: build
    cargo run --release -p nano-bench -- --nano-host {{bin}} {{args}}

# The load scenario: every request fetches 16 KiB from a Rust upstream and
# streams it back; nano and Node.js under wrk at 256 and 1,000 connections
# (throughput, p50/p99, failures, peak RSS), written to load.json next to
# the bench's results.
load: build
    cargo run --release -p nano-bench -- --nano-host {{bin}} --load
