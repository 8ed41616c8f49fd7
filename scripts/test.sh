#!/usr/bin/env bash
# Set up (idempotently) and run the whole test suite, lint included. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
if ! command -v chromium >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
    || echo "test: chromium not installed; the report's browser tests will be skipped" >&2
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/lint-imports  # the layers contract in pyproject.toml: imports point one way
.venv/bin/mypy  # src/simuser, configured in pyproject.toml
.venv/bin/python -m pytest "$@"
