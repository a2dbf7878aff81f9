"""Every malformed input of the corpus ends in a short, clean error (exit 2) naming what is wrong.

The cases run in one child process (so one Python start-up serves all of them) under an
address-space limit and a per-case timeout (see :mod:`tests.reliability.runner`); a case
that reads without bound or hangs fails there instead of taking the machine down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.skips import skip_as_root
from tests.reliability.corpus import MAX_LINES, Case, corpus

CASES = corpus()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every case's result, from one runner process."""
    out = tmp_path_factory.mktemp("corpus") / "results.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.reliability.runner", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    found: dict[str, dict[str, Any]] = {}
    last = None
    for line in out.read_text(encoding="utf-8").splitlines() if out.exists() else []:
        row = json.loads(line)
        last = row["id"]
        if not row.get("started"):
            found[row["id"]] = row
    if proc.returncode != 0:
        pytest.fail(
            f"the runner died (status {proc.returncode}) in case {last}: {proc.stderr[-2000:]}"
        )
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_malformed_input_ends_in_one_short_clean_error(
    case: Case, results: dict[str, dict[str, Any]]
) -> None:
    if case.root_skips:
        skip_as_root()
    r = results[case.id]
    shown = f"{case.id}: exit {r['exit']}, exception {r['exception']}, output:\n{r['output']}"
    assert r["exception"] is None, shown
    assert "Traceback" not in r["output"], shown
    assert r["exit"] == 2, shown
    lines = [line for line in r["output"].splitlines() if line.strip()]
    assert 1 <= len(lines) <= MAX_LINES, shown
    assert all(line.startswith("error: ") for line in lines), shown
    text = r["output"].lower()
    for needle in case.expect:
        assert needle.lower() in text, f"{needle!r} not named; {shown}"


def test_the_corpus_is_large_and_covers_every_kind_of_input() -> None:
    kinds = {c.argv[0] for c in CASES} | {"--set" for c in CASES if "--set" in c.argv}
    assert len(CASES) >= 150
    assert {"validate", "run", "sweep", "--set"} <= kinds
