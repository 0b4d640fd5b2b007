#!/usr/bin/env bash
# Installs what building nano needs, on Debian 12 with rustup: the
# wasm32-wasip2 target, clang-19 + wasi-libc headers (QuickJS is C), wrk (for
# benchmarks), Node.js if missing (cross-checks) and `just`. Idempotent and
# quick when everything is there.
set -euo pipefail

need_apt=()
# Node.js is the other WebCrypto the tests cross-check against, and the
# bench's baseline; install Debian's only if there is none.
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
for pkg in clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 wasi-libc wrk; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  echo "setup: adding the wasm32-wasip2 Rust target" >&2
  rustup target add wasm32-wasip2
fi

if ! command -v just >/dev/null 2>&1; then
  echo "setup: installing just" >&2
  if ! python3 -m pip install --quiet --disable-pip-version-check rust-just 2>/dev/null; then
    cargo install --locked just
  fi
  hash -r
fi
