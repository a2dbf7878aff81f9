"""Ensembles, ``--accuracy``: each member alone, DeePEn, vote and debate on the same questions.

It runs the ``ensemble-vs-debate`` preset (SmolLM2-135M-Instruct and Gemma 3 270M:
each alone, DeePEn fusion, a vote, a 3-agent 2-round debate; greedy) twice:

- arithmetic: ``--arithmetic N`` generated a+b items (the preset's task, ``ops: 1``);
- MMLU: ``--mmlu N`` items of MachineSoM's 50-item sample
  (``data:machinesom/mmlu.jsonl`` from the data folder; our prompts and extraction).

Each is an ordinary sweep folder (``sociolab report DIR`` shows it again); the
figures are its ways table (:mod:`societies.analysis.ways`): accuracy with a
percentile bootstrap 95% CI over questions, tokens and wall seconds per question.
Every hf model runs with ``--threads`` torch threads (1 on a shared 2-core machine).

Run: ``python benchmarks/perf/ensemble.py --accuracy`` (or this file directly),
``--arithmetic 5 --mmlu 5`` for what fits in minutes on two cores, ``--device cuda``
on a GPU machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PRESET = "ensemble-vs-debate"
MMLU = "data:machinesom/mmlu.jsonl"
HF_BACKENDS = ("smollm2", "gemma3")
ENSEMBLES = ("deepen", "vote")


def overrides(args: argparse.Namespace, task: str) -> list[str]:
    """``--set`` lines: the task, and threads/device/dtype/max_tokens of every model."""
    sets = [f"task={task}", f"generation.max_tokens={args.max_tokens}"]
    model = {"threads": args.threads, "device": args.device, "dtype": args.dtype}
    for name in HF_BACKENDS:
        sets += [f"backends.{name}.{k}={v}" for k, v in model.items()]
    for name in ENSEMBLES:
        for i in range(2):
            sets += [f"backends.{name}.members.{i}.{k}={v}" for k, v in model.items()]
    return sets


def run_task(label: str, task: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the preset's sweep on one task; return its ways table as data."""
    from societies.analysis.report import make_report
    from societies.analysis.ways import WAYS_HEADERS, ways_section
    from societies.config.presets import locate
    from societies.sweeps.run import run_sweep
    from societies.sweeps.spec import load_sweep

    out = Path(args.out) / label
    plan = load_sweep(locate(PRESET), overrides(args, task))
    started = time.perf_counter()
    result = run_sweep(plan, out)
    seconds = time.perf_counter() - started
    section = ways_section(make_report([out], write=False).metrics.overall.runs)
    assert section is not None, "the preset's sweep must give a ways table"
    rows = {way: dict(zip(WAYS_HEADERS, cells, strict=True)) for way, cells in section.rows}
    print(f"\n{label}: {task}  ({seconds:.0f} s, sweep ok: {result.ok})")
    print(f"| way | {' | '.join(WAYS_HEADERS)} |")
    print("|---|" + "---:|" * len(WAYS_HEADERS))
    for way, cells in section.rows:
        print(f"| {way} | {' | '.join(cells)} |")
    return {"task": task, "folder": str(out), "seconds": round(seconds, 1), "ways": rows}


def run_accuracy(args: argparse.Namespace) -> None:
    """Both tasks, one after the other; a JSON summary next to the sweep folders."""
    load = os.getloadavg()
    print(
        f"{platform.node()} · {os.cpu_count()} cores · load {load[0]:.1f} at start · "
        f"threads {args.threads} · device {args.device} · max_tokens {args.max_tokens}"
    )
    done: dict[str, Any] = {}
    if args.arithmetic:
        task = f"{{name: arithmetic, ops: 1, limit: {args.arithmetic}}}"
        done["arithmetic"] = run_task("arithmetic", task, args)
    if args.mmlu:
        from benchmarks.data_dir import resolve_data_path

        # Resolved here: a `data:` path inside a --set mapping is taken as relative to
        # the current folder (its prefix lost), so the task gets the absolute path.
        path = resolve_data_path(MMLU)
        done["mmlu"] = run_task("mmlu", f'{{name: mmlu, path: "{path}", limit: {args.mmlu}}}', args)
    done["load_at_end"] = round(os.getloadavg()[0], 1)
    summary = Path(args.out) / "accuracy.json"
    summary.write_text(json.dumps(done, indent=2) + "\n", encoding="utf-8")
    print(f"\nload {done['load_at_end']} at end; summary: {summary}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--accuracy`` options."""
    parser.add_argument("--arithmetic", type=int, default=50, help="arithmetic items (0: none)")
    parser.add_argument("--mmlu", type=int, default=50, help="MMLU items (0: none; at most 50)")
    parser.add_argument("--out", default="runs/ensemble-accuracy", help="sweep folders go here")


def main() -> None:
    """Command line: the accuracy comparison alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="auto")
    run_accuracy(parser.parse_args())


if __name__ == "__main__":
    main()
