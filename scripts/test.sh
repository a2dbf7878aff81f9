#!/usr/bin/env bash
# The whole test suite: lint (ruff), types (mypy), then pytest (unit + integration
# tests on a real llama.cpp server and the real SmolLM2 model, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The replay's real-terminal test drives tmux: install it where it is missing (CI runs as root).
if ! command -v tmux >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
fi
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest -q "$@"
