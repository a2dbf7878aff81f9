#!/usr/bin/env bash
# Set up (or update) the project's virtual environment in .venv.
# torch is installed first and pinned (2.13.0, the CPU build); a plain `torch`
# would pull a multi-GB CUDA build. The embedded model is fetched on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.sociolab-setup
want=$(sha256sum pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q "torch==2.13.0"
  .venv/bin/python -m pip install -q -e ".[hf,ray,parquet,dev]"
  echo "$want" > "$stamp"
fi
