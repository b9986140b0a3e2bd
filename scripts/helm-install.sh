#!/usr/bin/env bash
# Builds Helm (helm.sh/helm/v3/cmd/helm from the Go module proxy; Debian has no helm package)
# into the project-local .tools/bin/helm (git ignores it). The chart test
# (test/packaging/helm.test.ts) finds it there, else MESHGUARD_HELM, else `helm` on PATH.
# Idempotent: a matching build is kept. Takes a few minutes the first time (go build).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v3.22.0
BIN=.tools/bin/helm

if [[ -x $BIN ]] && "$BIN" version --template '{{.Version}}' 2>/dev/null | grep -q "^${VERSION%.0}"; then
  "$BIN" version --short
  exit 0
fi
if ! command -v go >/dev/null; then
  [[ ${1:-} == --if-possible ]] && { echo "helm: no Go toolchain; the Helm chart test will skip"; exit 0; }
  echo "helm: Go is needed to build helm" >&2
  exit 1
fi
echo "helm: building helm.sh/helm/v3/cmd/helm@$VERSION into $BIN"
mkdir -p .tools/bin
if ! GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@$VERSION"; then
  [[ ${1:-} == --if-possible ]] && { echo "helm: could not build helm; the Helm chart test will skip"; exit 0; }
  exit 1
fi
"$BIN" version --short
