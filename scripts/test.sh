#!/usr/bin/env bash
# The whole test suite: lint (ruff), types (mypy), then pytest (unit + integration
# tests on a real llama.cpp server and the real SmolLM2 model, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest -q "$@"
