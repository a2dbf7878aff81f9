"""API-bound runs: wall time against the critical path, on a server with a fixed latency.

The server (``tests/helpers/fake_openai.py``) is an asyncio one on 127.0.0.1 that
answers every chat call after exactly ``--latency`` seconds and never limits
concurrency itself, so a run's wall time is set by sociolab alone. Two cases, each
a 3-agent society debating sociolab's arithmetic items for 3 rounds after the
first answers (4 turns per agent), through the ``openai`` backend, cache off:

- ``dependency-limited``: ``max_concurrency`` above the calls a round can have in
  flight, so only the rounds' order limits it: critical path = rounds x latency;
- ``concurrency-limited``: many more calls than ``max_concurrency``: critical
  path = calls x latency / max_concurrency.

A first tiny run warms up (imports, first connections) and is not reported; the
wall time is that of ``run_experiment`` (transcript writing included); the CPU time
is this process's, the server's thread included; *latency seen* is the mean time a call
took as the client measured it (the fixed latency plus HTTP and this machine's scheduling
delays), and the critical path is also given at that latency. It prints the wall time, the critical path, their ratio (target <= 1.15) and the
most requests the server saw in flight at once, and writes them into the
``api_bound`` section of ``benchmarks/perf/README.md`` (``--no-readme`` to skip).

Run: ``python benchmarks/perf/api_bound.py [--latency 0.2]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.perf.prefill import captured_records  # noqa: E402
from benchmarks.perf.readme import write_figures  # noqa: E402
from tests.helpers.fake_openai import FakeServer, running_server  # noqa: E402

ROUNDS = 4  # the first answer + 3 debate rounds


@dataclass(frozen=True)
class Case:
    """One run shape."""

    name: str
    questions: int
    max_concurrency: int

    @property
    def calls(self) -> int:
        """Model calls of the run (3 agents, ROUNDS turns each, per question)."""
        return self.questions * 3 * ROUNDS

    def critical_path(self, latency: float) -> float:
        """The shortest wall time any scheduler could reach."""
        # Episodes do not wait for each other, so no round boundary is shared.
        return max(ROUNDS, self.calls / self.max_concurrency) * latency

    def ratio(self, wall: float, latency: float) -> float:
        """Wall time over the critical path (inf for a zero latency)."""
        path = self.critical_path(latency)
        return wall / path if path else float("inf")


CASES = (
    Case("dependency-limited", questions=20, max_concurrency=64),
    Case("concurrency-limited", questions=50, max_concurrency=16),
)


def config(case: Case, port: int) -> dict[str, Any]:
    """The society, on the fake server."""
    backend = {
        "kind": "openai",
        "model": "fake",
        "base_url": f"http://127.0.0.1:{port}/v1",
        "max_concurrency": case.max_concurrency,
    }
    return {
        "name": f"api-bound-{case.name}",
        "seed": 0,
        "task": {"name": "arithmetic", "limit": case.questions},
        "backends": {"api": backend},
        "agents": [
            {"name": "ada", "trait": "overconfident", "backend": "api"},
            {"name": "bo", "trait": "easy-going", "backend": "api"},
            {"name": "cy", "trait": "easy-going", "backend": "api"},
        ],
        "graph": {"kind": "complete"},
        "protocol": {"strategy": ["debate"] * (ROUNDS - 1)},
        "generation": {"temperature": 0.0, "max_tokens": 64},
        "cache": {"enabled": False},
    }


def measure(case: Case, latency: float) -> dict[str, Any]:
    """Run ``case`` once; wall time, critical path and the server's peak in-flight count."""
    from societies.config import parse_config
    from societies.engine.experiment import run_experiment

    server = FakeServer(delay_s=latency)
    with running_server(server), tempfile.TemporaryDirectory() as tmp, captured_records() as calls:
        cfg = parse_config(config(case, server.port))
        start, cpu0 = time.perf_counter(), time.process_time()
        result = run_experiment(cfg, Path(tmp) / "run", cache="off")
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    if result.status != "complete":
        raise SystemExit(f"{case.name}: run ended {result.status}: {result.errors}")
    path = case.critical_path(latency)
    seen = sum(c.completion.latency_s for c in calls) / max(1, len(calls))
    return {
        "seen": seen,
        "ratio_seen": case.ratio(wall, seen),
        "case": case,
        "wall": wall,
        "cpu": cpu,
        "path": path,
        "ratio": case.ratio(wall, latency),
        "peak": server.peak_in_flight,
        "requests": server.requests,
    }


def table(rows: list[dict[str, Any]], latency: float) -> str:
    """A Markdown table of the measurements."""
    out = [
        "| case | calls | max_concurrency | critical path s | wall s | wall / path | "
        "peak in flight | CPU s (both sides) | latency seen s | wall / path at seen |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        c: Case = r["case"]
        out.append(
            f"| {c.name} | {r['requests']} | {c.max_concurrency} | {r['path']:.2f} | "
            f"{r['wall']:.2f} | {r['ratio']:.3f} | {r['peak']} | {r['cpu']:.2f} | "
            f"{r['seen']:.3f} | {r['ratio_seen']:.3f} |"
        )
    return "\n".join(out) + f"\n\nLatency {latency:g} s per call."


def main() -> None:
    """Measure every case; print the table; write the README section."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--latency", type=float, default=0.2, help="seconds per call")
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    measure(Case("warm-up", questions=1, max_concurrency=4), 0.0)  # imports, first connections
    rows = [measure(case, args.latency) for case in CASES]
    text = table(rows, args.latency)
    print(text)
    if not args.no_readme:
        head = f"Measured {date.today().isoformat()}, load average {load:.1f} at start."
        write_figures("api_bound", f"{head}\n\n{text}")


if __name__ == "__main__":
    main()
