"""Scheduler scale: agent-turns per second with the zero-latency simulation backend.

10,000 agents on a small-world graph for 5 rounds (the initial answer + 4 debate
rounds), against smaller societies with the same total number of turns (more
episodes), each size in its own process so that peak memory is its own. The
figure of merit is the cost per turn at 10,000 agents relative to 100 agents.

Run: ``python benchmarks/perf/scheduler_scale.py`` (add ``--sizes 100 10000``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOTAL_TURNS = 50_000
ROUNDS = 5


def config(agents: int, episodes: int) -> dict[str, object]:
    """A small-world society of ``agents`` simulated agents over ``episodes`` questions."""
    return {
        "name": f"scale-{agents}",
        "seed": 0,
        "task": {"name": "arithmetic", "limit": episodes},
        "backends": {"sim": {"kind": "scripted"}},
        "agents": [
            {"name": "e", "trait": "easy-going", "backend": "sim", "count": agents // 2},
            {
                "name": "o",
                "trait": "overconfident",
                "backend": "sim",
                "count": agents - agents // 2,
            },
        ],
        "graph": {"kind": "small-world", "k": 4, "p": 0.1},
        "protocol": {"strategy": ["debate"] * (ROUNDS - 1)},
        "concurrency": episodes,
        "cache": {"enabled": False},
    }


def measure(agents: int) -> dict[str, float]:
    """Run one size in this process; return turns/s and peak RSS."""
    from societies.config import parse_config
    from societies.engine.experiment import Experiment
    from societies.engine.gctune import gc_tuned

    episodes = max(1, TOTAL_TURNS // (agents * ROUNDS))
    cfg = parse_config(config(agents, episodes))
    with tempfile.TemporaryDirectory() as tmp:
        exp = Experiment(cfg, Path(tmp))
        start, cpu0 = time.perf_counter(), time.process_time()
        with gc_tuned():  # as the CLI does around a run
            result = asyncio.run(exp.run())
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    assert result.status == "complete"
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "agents": agents,
        "episodes": episodes,
        "turns": result.turns,
        "wall_s": wall,
        "turns_per_s": result.turns / wall,
        "us_per_turn": wall / result.turns * 1e6,
        "cpu_us_per_turn": cpu / result.turns * 1e6,
        "peak_rss_mib": peak_mib,
    }


def main() -> None:
    """Measure every size in a subprocess and print a table with ratios to the smallest."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000])
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    rows = []
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    base = rows[0]["us_per_turn"]
    print(
        f"{'agents':>7} {'episodes':>8} {'turns':>7} {'turns/s':>9} {'us/turn':>8} "
        f"{'cpu us/turn':>11} {'x base':>7} {'peak MiB':>9}"
    )
    for r in rows:
        print(
            f"{r['agents']:>7} {r['episodes']:>8} {r['turns']:>7} {r['turns_per_s']:>9,.0f} "
            f"{r['us_per_turn']:>8.1f} {r['cpu_us_per_turn']:>11.1f} "
            f"{r['us_per_turn'] / base:>7.2f} {r['peak_rss_mib']:>9.0f}"
        )


if __name__ == "__main__":
    main()
