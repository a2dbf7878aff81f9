"""The ``ensemble-vs-debate`` preset: five ways on the same questions (loads no model)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from agents.backends import HFSpec
from societies.config.presets import PRESETS_DIR, locate
from societies.sweeps.spec import load_sweep

WAYS = ["smollm2", "gemma3", "deepen", "vote", "debate"]


def test_the_preset_is_five_ways_on_the_same_questions() -> None:
    plan = load_sweep(locate("ensemble-vs-debate"))
    assert [c.name for c in plan.cells] == [f"extra={w}" for w in WAYS]  # no base cell
    cfg = {c.labels["extra"]: c.config for c in plan.cells}
    assert len({c.task.model_dump_json() for c in cfg.values()}) == 1  # the same questions
    assert cfg["smollm2"].task.name == "arithmetic"

    def backends(way: str) -> list[str]:
        return [backend for _, _, backend in cfg[way].agent_list()]

    assert [backends(w) for w in WAYS] == [
        ["smollm2"],
        ["gemma3"],
        ["deepen"],
        ["vote"],
        ["smollm2", "gemma3", "smollm2"],
    ]
    rounds = {w: list(cfg[w].protocol.model_dump()["strategy"]) for w in WAYS}
    assert rounds == {**{w: [] for w in WAYS[:4]}, "debate": ["debate", "debate"]}
    specs = cfg["debate"].backends
    gemma = specs["gemma3"]
    assert isinstance(gemma, HFSpec) and gemma.model == "gemma3-270m"
    assert gemma.chat_template == "plain"
    for name, method in (("deepen", "deepen"), ("vote", "vote")):
        spec = specs[name].model_dump()
        assert spec["kind"] == "ensemble" and spec["method"] == method
        assert [m["model"] for m in spec["members"]] == ["smollm2-135m-instruct", "gemma3-270m"]
        assert [m["chat_template"] for m in spec["members"]] == [None, "plain"]
    for c in cfg.values():  # every way pays for its own calls, one question at a time
        assert (c.cache.enabled, c.concurrency, c.generation.temperature) == (False, 1, 0.0)
    assert plan.spec.max_parallel_cells == 1


def test_the_accuracy_benchmark_sets_every_model_s_threads_and_the_task(
    shared_data: Path,
) -> None:
    path = Path(PRESETS_DIR).parents[2] / "benchmarks" / "perf" / "ensemble_accuracy.py"
    spec = importlib.util.spec_from_file_location("ensemble_accuracy", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    args = argparse.Namespace(max_tokens=32, threads=1, device="cpu", dtype="float32")
    task = '{name: mmlu, path: "data:machinesom/mmlu.jsonl", limit: 3}'
    plan = load_sweep(locate("ensemble-vs-debate"), bench.overrides(args, task))
    for cell in plan.cells:
        assert cell.config.task.name == "mmlu" and cell.config.generation.max_tokens == 32
        for name, backend in cell.config.backends.items():
            data = backend.model_dump()
            models = data["members"] if data["kind"] == "ensemble" else [data]
            assert all(
                (m["threads"], m["device"], m["dtype"]) == (1, "cpu", "float32") for m in models
            ), name
