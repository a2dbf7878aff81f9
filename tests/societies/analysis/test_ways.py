"""The ways table: a sweep of labelled ``extra`` cells only, on the scripted simulation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from scipy import stats

from societies.analysis.report import make_report, markdown
from societies.analysis.ways import WAYS_HEADERS, _accuracy_cell, ways_section
from societies.sweeps.local import run_local
from societies.sweeps.spec import CELLS, load_sweep

QUESTIONS = 8


def ways_sweep(tmp_path: Path) -> Path:
    """Four ways on the same 8 questions: a right and a wrong model alone, a vote, a debate.

    ``right`` always answers correctly and ``wrong`` never; no agent is swayed
    (conformity 0), so every way's accuracy is known in advance.
    """
    never = {"default": 0.0}
    base = {
        "name": "ways",
        "seed": 1,
        "task": {"name": "arithmetic", "limit": QUESTIONS},
        "backends": {
            # Different latencies, so a round's slowest turn differs from the sum of its turns.
            "right": {
                "kind": "scripted",
                "accuracy": {"default": 1.0},
                "conformity": never,
                "latency_ms": 5,
            },
            "wrong": {
                "kind": "scripted",
                "accuracy": {"default": 0.0},
                "conformity": never,
                "latency_ms": 15,
            },
        },
        "agents": [{"name": "a", "backend": "right"}],
        "protocol": {"strategy": []},
        "cache": {"enabled": False},
    }
    three = [
        {"name": "a", "backend": "right"},
        {"name": "b", "backend": "wrong"},
        {"name": "c", "backend": "right"},
    ]
    sweep = {
        "name": "ways",
        "base": "base.yaml",
        "extra": {
            "right-alone": {},
            "wrong-alone": {"agents": [{"name": "a", "backend": "wrong"}]},
            "vote": {"agents": three},
            "debate": {"agents": three, "protocol.strategy": ["debate", "debate"]},
        },
        "max_parallel_cells": 1,
    }
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    return path


def test_an_extra_only_sweep_runs_just_its_ways_and_reports_them_in_one_table(
    tmp_path: Path,
) -> None:
    plan = load_sweep(ways_sweep(tmp_path))
    names = ["extra=right-alone", "extra=wrong-alone", "extra=vote", "extra=debate"]
    assert [c.name for c in plan.cells] == names  # no base cell without a grid
    out = tmp_path / "out"
    assert asyncio.run(run_local(plan, out)).ok
    metrics = make_report([out], write=False).metrics
    section = ways_section(metrics.overall.runs)
    assert section is not None
    rows = dict(section.rows)
    assert list(rows) == ["debate", "right-alone", "vote", "wrong-alone"]  # folder order
    assert rows["right-alone"][:2] == ["100.0% [100.0%, 100.0%] (8/8)", "8"]
    assert rows["wrong-alone"][:2] == ["0.0% [0.0%, 0.0%] (0/8)", "8"]
    assert rows["vote"][:2] == ["100.0% [100.0%, 100.0%] (8/8)", "8"]  # 2 right of 3
    assert rows["debate"][:2] == ["100.0% [100.0%, 100.0%] (8/8)", "8"]
    for label, cells in rows.items():
        lines = (out / CELLS / f"extra={label}" / "transcript.jsonl").read_text().splitlines()
        events = [json.loads(line) for line in lines]
        tokens = sum(
            e["usage"]["prompt_tokens"] + e["usage"]["completion_tokens"]
            for e in events
            if e["type"] == "turn"
        )
        path: dict[tuple[int, int], float] = {}  # (episode, round) -> slowest turn
        for e in events:
            if e["type"] == "turn":
                key = (e["episode"], e["round"])
                path[key] = max(path.get(key, 0.0), e["latency_s"])
        wall = sum(path.values())
        assert cells[2] == f"{tokens / QUESTIONS:,.0f}"
        assert float(cells[3]) == pytest.approx(wall / QUESTIONS, abs=0.0051)  # 2 decimals
    # Three agents over three rounds cost more than three agents once, and than one.
    per_q = {k: float(v[2].replace(",", "")) for k, v in rows.items()}
    assert per_q["debate"] > per_q["vote"] > per_q["right-alone"]
    md = markdown(metrics)
    assert "### ways of answering the same questions" in md
    assert "| | " + " | ".join(WAYS_HEADERS) + " |" in md


def test_the_accuracy_interval_is_scipy_s_percentile_bootstrap_over_questions() -> None:
    correct = [True, True, True, False, True, False, True, True]  # 6 of 8
    expected = stats.bootstrap(
        (np.asarray(correct, dtype=float),),
        np.mean,
        confidence_level=0.95,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(0),
    ).confidence_interval
    low, high = float(expected.low), float(expected.high)
    assert 0.0 <= low < 0.75 < high <= 1.0
    assert _accuracy_cell(correct) == f"75.0% [{low:.1%}, {high:.1%}] (6/8)"
    assert _accuracy_cell([True]) == "100.0% (1/1)"  # one question: no interval
    assert _accuracy_cell([]) == "–"


def test_other_sweeps_and_single_runs_get_no_ways_table(tmp_path: Path) -> None:
    path = ways_sweep(tmp_path)
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    data["grid"] = {"seed": [1, 2]}  # a grid: the extras are baselines next to it
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    plan = load_sweep(path)
    assert len(plan.cells) == 2 + 4
    out = tmp_path / "out"
    assert asyncio.run(run_local(plan, out)).ok
    assert ways_section(make_report([out], write=False).metrics.overall.runs) is None
    one = out / CELLS / "extra=vote"
    assert ways_section(make_report([one], write=False).metrics.overall.runs) is None
