#!/usr/bin/env bash
# Builds the benchmark peers (our own small Go programs under bench/peers/) into build/peers/
# (git ignores it). Go modules come from the Go module proxy; only go.mod and go.sum are committed.
# Prints the path of each binary built. `bench xds` runs this itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null; then
  echo "build-peers: no Go toolchain on PATH" >&2
  exit 1
fi
mkdir -p build/peers
for dir in bench/peers/*/; do
  name=$(basename "$dir")
  [[ -f $dir/go.mod ]] || continue
  # -mod=readonly: go.sum is the record of what was fetched; a missing entry is an error, not a silent download.
  (cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -o "../../../build/peers/$name" .) >&2
  echo "build/peers/$name"
done
