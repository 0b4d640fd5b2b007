#!/usr/bin/env bash
# Writes the crates nano carries a patch for (Cargo.toml's [patch.crates-io])
# into patches/crates/<name>: the crates.io release, checked against its
# pinned checksum, with the diff in patches/ applied. Not committed; run by
# every just recipe that builds (and by ./dev), idempotent and quick when
# done. patches/README.md says what each patch is for and when it can go.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

# patch_crate name version sha256 diff...: the diffs are applied in order.
patch_crate() {
  local name=$1 version=$2 sha256=$3
  shift 3
  local diffs=("$@")
  local dest="patches/crates/$name"
  local stamp
  stamp="$version $(cd "$root" && sha256sum "${diffs[@]}" | cut -d' ' -f1 | tr '\n' ' ')"
  if [ -f "$dest/.nano-patched" ] && [ "$(cat "$dest/.nano-patched")" = "$stamp" ]; then
    return 0
  fi
  local tmp
  tmp=$(mktemp -d)
  # cargo's download cache first, else crates.io itself.
  local crate
  crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$name-$version.crate" 2>/dev/null | head -1 || true)
  if [ -z "$crate" ]; then
    crate="$tmp/$name-$version.crate"
    curl -sSfL --retry 3 -o "$crate" "https://static.crates.io/crates/$name/$name-$version.crate"
  fi
  if ! echo "$sha256  $crate" | sha256sum -c --quiet -; then
    echo "patch-crates: $crate does not have the pinned checksum" >&2
    exit 1
  fi
  tar -xzf "$crate" -C "$tmp"
  local diff
  for diff in "${diffs[@]}"; do
    (cd "$tmp/$name-$version" && patch -p1 --quiet --forward < "$root/$diff")
  done
  rm -rf "$dest"
  mkdir -p patches/crates
  mv "$tmp/$name-$version" "$dest"
  echo "$stamp" > "$dest/.nano-patched"
  rm -rf "$tmp"
  echo "patch-crates: $name $version patched (${diffs[*]})"
}

patch_crate wasmtime 48.0.8 a2afcadb2e7d0417cb8f3f322c66eff49338b288f22290c0ca0bd3e9570732aa \
  patches/wasmtime-48.0.8-pagemap-scan.diff patches/wasmtime-48.0.8-funcref-ranges.diff \
  patches/wasmtime-48.0.8-no-fault-around.diff patches/wasmtime-48.0.8-stack-decommit.diff \
  patches/wasmtime-48.0.8-trampoline-locs.diff patches/wasmtime-48.0.8-funcref-text.diff \
  patches/wasmtime-48.0.8-instance-reset.diff patches/wasmtime-48.0.8-written-pages.diff \
  patches/wasmtime-48.0.8-written-pages-decay.diff patches/wasmtime-48.0.8-parked-stack.diff \
  patches/wasmtime-48.0.8-unchanged-tables.diff
patch_crate rquickjs-sys 0.14.0 cee271d0eeba64f0915b846cb7ae02e16faf3dfdffdca91731101d9d30fe3423 \
  patches/rquickjs-sys-0.14.0-immortal-snapshot.diff patches/rquickjs-sys-0.14.0-function-properties.diff \
  patches/rquickjs-sys-0.14.0-shape-retention.diff patches/rquickjs-sys-0.14.0-json-stringify.diff \
  patches/rquickjs-sys-0.14.0-define-field.diff patches/rquickjs-sys-0.14.0-number-to-string.diff \
  patches/rquickjs-sys-0.14.0-map-hash.diff patches/rquickjs-sys-0.14.0-set-proto.diff \
  patches/rquickjs-sys-0.14.0-snapshot-room.diff patches/rquickjs-sys-0.14.0-small-arenas.diff \
  patches/rquickjs-sys-0.14.0-async-settle.diff patches/rquickjs-sys-0.14.0-proto-steps.diff
