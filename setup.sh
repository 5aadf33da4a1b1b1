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
  # The main job on the samples: code the documents (JSON Lines, as the scorer reads them), then the
  # department's path end to end: store the episodes (text, FHIR, HL7 v2), code them, list the worklist.
  mkdir -p out
  .venv/bin/clincode code samples/*.txt --output out/samples.jsonl
  echo "setup: coded the sample documents into out/samples.jsonl"
  demo_db="sqlite:///$(pwd)/out/demo.db"
  rm -f out/demo.db
  .venv/bin/clincode db upgrade --database-url "$demo_db"
  .venv/bin/clincode ingest samples/ --database-url "$demo_db"  # one HL7 sample is malformed on purpose: rejected and kept
  .venv/bin/clincode episodes code --database-url "$demo_db"
  .venv/bin/clincode episodes list --database-url "$demo_db"
  echo "setup: demo store in out/demo.db; serve it with: CLINCODE_DATABASE_URL=$demo_db .venv/bin/clincode serve"
fi
