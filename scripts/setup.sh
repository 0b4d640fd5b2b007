#!/usr/bin/env bash
# Installs what building nano needs, on Debian 12 with rustup: the pinned
# Rust toolchain (rust-toolchain.toml: wasm32-wasip2 target, rustfmt, clippy),
# clang-19 + wasi-libc headers (QuickJS is C), wrk (for benchmarks), Node.js
# if missing (cross-checks), patch and curl (scripts/patch-crates.sh) and
# `just`. Idempotent and quick when everything is there.
set -euo pipefail

need_apt=()
# Node.js is the other WebCrypto the tests cross-check against, and the
# bench's baseline; install Debian's only if there is none.
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
for pkg in clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 wasi-libc wrk patch curl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# rust-toolchain.toml pins the Rust version, the wasm32-wasip2 target and
# rustfmt + clippy; `rustup toolchain install` (rustup >= 1.28) installs what
# it names, and nothing when all of it is there.
installed="$(rustup component list --installed 2>/dev/null || true)"
for want in rust-std-wasm32-wasip2 rustfmt clippy; do
  if ! grep -q "^$want" <<<"$installed"; then
    echo "setup: installing the Rust toolchain of rust-toolchain.toml" >&2
    rustup toolchain install
    break
  fi
done

if ! command -v just >/dev/null 2>&1; then
  echo "setup: installing just" >&2
  if ! python3 -m pip install --quiet --disable-pip-version-check rust-just 2>/dev/null; then
    cargo install --locked just
  fi
  hash -r
fi
