#!/usr/bin/env bash
# The demo: three agents (one overconfident, two easy-going) answer six sums (a+b)
# on the embedded SmolLM2-135M model, offline, debate once, then a terminal summary:
# accuracy, consensus and conformity by round, and one sentence on what the debate changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
out=runs/demo-$(date +%Y%m%d-%H%M%S)
.venv/bin/sociolab run societies/config/presets/demo.yaml --out "$out"
