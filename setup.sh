#!/usr/bin/env bash
# Set clincode up on a fresh machine and run its main job on the sample documents.
#   ./setup.sh            create .venv, install clincode with everything it needs, code samples/
#   ./setup.sh --no-demo  only install
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip wheel
.venv/bin/python -m pip install --quiet -e ".[all]"

# System packages for the browser tests (Debian's Chromium); needs root, skipped otherwise.
if [ -f scripts/install-system-deps.sh ]; then
  bash scripts/install-system-deps.sh || echo "setup: system packages not installed (browser tests will be skipped)" >&2
fi

if [ "${1:-}" != "--no-demo" ]; then
  mkdir -p out
  .venv/bin/clincode code samples/ --output out/samples.jsonl
  echo "setup: coded the sample documents into out/samples.jsonl"
fi
