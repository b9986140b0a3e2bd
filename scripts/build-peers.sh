#!/usr/bin/env bash
# Builds the benchmark peers, our own small Go programs: every bench/peers/<name>/ that holds a
# go.mod becomes build/peers/<name> (git ignores build/). Modules come from the Go module proxy;
# only go.mod and go.sum are committed (-mod=readonly: go.sum is the record of what was fetched, a
# missing entry is an error, not a silent download). A peer whose sources are older than its
# binary is not rebuilt; Go's build cache makes a rebuild after an edit quick.
# Prints the path of each binary on stdout (progress goes to stderr).
#
#   scripts/build-peers.sh [--force] [name...]     (npm run peers:build -- [name...])
#
# To add a peer: a directory bench/peers/<name>/ with go.mod, go.sum and a main package; nothing
# to change here.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$PWD/build/peers
force=""
names=()
for arg in "$@"; do
  case $arg in
    --force) force=1 ;;
    -*) echo "build-peers: unknown option $arg" >&2; exit 2 ;;
    *) names+=("$arg") ;;
  esac
done
if [[ ${#names[@]} -eq 0 ]]; then
  for mod in bench/peers/*/go.mod; do names+=("$(basename "$(dirname "$mod")")"); done
fi
if ! command -v go >/dev/null; then
  echo "build-peers: no Go toolchain on PATH (the peers are Go programs built from the Go module proxy)" >&2
  exit 1
fi
mkdir -p "$OUT"

up_to_date() {
  local dir=$1 bin=$2
  [[ -z $force && -x $bin ]] || return 1
  [[ -z $(find "$dir" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -newer "$bin" -print -quit) ]]
}

for name in "${names[@]}"; do
  dir=bench/peers/$name
  if [[ ! -f $dir/go.mod ]]; then
    echo "build-peers: $dir/go.mod not found" >&2
    exit 1
  fi
  bin=$OUT/$name
  if up_to_date "$dir" "$bin"; then
    echo "build-peers: $name is up to date" >&2
  else
    started=$SECONDS
    echo "build-peers: building $name" >&2
    (cd "$dir" && GOFLAGS="-mod=readonly ${GOFLAGS:-}" go build -trimpath -o "$bin.tmp" .) >&2
    mv "$bin.tmp" "$bin"
    echo "build-peers: $name built in $((SECONDS - started)) s" >&2
  fi
  echo "build/peers/$name"
done
