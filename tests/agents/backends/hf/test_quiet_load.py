"""Loading a model writes no third-party progress bar: sociolab's display shows the loading."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not all(importlib.util.find_spec(m) for m in ("torch", "transformers", "gguf")),
        reason="needs torch, transformers and gguf",
    ),
]

REPO = Path(__file__).resolve().parents[4]
LOAD = """
import asyncio
from agents.backends import HFProvider, HFSpec

async def main() -> None:
    provider = HFProvider.from_spec(HFSpec(threads=1), name="m")
    await provider.start()
    print("loaded", provider.load_path is not None)
    await provider.close()

asyncio.run(main())
"""


def test_a_model_load_writes_no_tqdm_bar_to_stderr() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)  # silenced by sociolab, not by the caller
    proc = subprocess.run(
        [sys.executable, "-c", LOAD], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "loaded True"
    # transformers' "Loading weights: 100%|...| 272/272 [00:00, 3174.66it/s]" bar, among others
    assert "it/s" not in proc.stderr and "%|" not in proc.stderr and "\r" not in proc.stderr
