#!/usr/bin/env bash
# The demo: three agents (one overconfident, two easy-going) debate arithmetic
# on the embedded SmolLM2-135M model, offline, then a terminal summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
out=runs/demo-$(date +%Y%m%d-%H%M%S)
.venv/bin/sociolab run societies/config/presets/demo.yaml --out "$out"
