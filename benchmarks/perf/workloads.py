"""Local inference on the studies' own workloads: several ways, one process, same sampling.

The workloads (SmolLM2-135M-Instruct, temperature 0.7, top_p 1.0, replies capped
at 256 tokens, ``--quick`` for fewer items):

- ``du``: Du et al.'s arithmetic (the ``du-arithmetic`` preset: its items, prompts
  and parser), 10 items, 3 agents, 3 rounds (the answer and 2 debate rounds);
- ``machinesom``: MachineSoM's MMLU (the ``machinesom-mmlu`` preset, items from
  ``data:machinesom/mmlu.jsonl``), 5 items, one society of 3 agents (2 overconfident,
  1 easy-going), strategies 000 and 001, 1 repeat.

The ways (``--ways``, default ``sequential llamacpp llamacpp-server hf``):

- ``sequential``: one call at a time through a llama.cpp server started like the
  ``llamacpp`` backend's (same slots, context, threads), no response cache, cells
  one after the other: what the studies' own code does (it calls the model in a loop);
- ``llamacpp``: sociolab's ``llamacpp`` backend, its defaults (``slot_affinity: off``:
  8 separate slots chosen by the server);
- ``llamacpp-server``, ``llamacpp-pin``: the same with ``slot_affinity: server`` or ``pin``;
- ``hf``: sociolab's ``hf`` backend, its defaults; ``hf-seq``: the same with ``max_batch: 1``.

Every way uses 1 CPU thread (``--threads``): the machine is shared, and llama.cpp
and torch spin and slow down many times over when they ask for more cores than are free.

Per way it reports the model calls made (cache hits excluded), the prompt tokens sent,
the prompt tokens prefilled (the llama.cpp server's ``timings.prompt_n`` per reply; the
``hf`` engine's own count), the tokens the turns added to their conversations (each
prompt minus the previous turn's prompt and reply; llama.cpp ways), completion tokens,
wall time (server start or model load included), seconds per 1,000 processed tokens
(prefilled + completion) and per 1,000 completion tokens, each with its ratio to
``sequential``. It writes the figures into the ``workloads`` section of
``benchmarks/perf/README.md`` (``--no-readme`` to skip).

Run: ``python benchmarks/perf/workloads.py [--quick] [--workloads du] [--ways ...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.perf.prefill import CallTally, captured_records, tally_calls  # noqa: E402
from benchmarks.perf.readme import README, write_figures  # noqa: E402

SECTION = "## workloads"
WAYS = ("sequential", "llamacpp", "llamacpp-server", "llamacpp-pin", "hf", "hf-seq")
SAMPLING = {"temperature": 0.7, "top_p": 1.0, "max_tokens": 256}
SOCIETY = [
    {"name": "a1", "trait": "overconfident", "backend": "local"},
    {"name": "a2", "trait": "overconfident", "backend": "local"},
    {"name": "a3", "trait": "easy-going", "backend": "local"},
]
CTX_PER_SLOT = 8192


def _preset(name: str) -> dict[str, Any]:
    from societies.config.presets import PRESETS_DIR

    data: dict[str, Any] = yaml.safe_load((PRESETS_DIR / f"{name}.yaml").read_text("utf-8"))
    return data


def du_config(items: int) -> dict[str, Any]:
    """Du et al.'s arithmetic debate, ``items`` items, with the benchmark's sampling."""
    cfg = _preset("du-arithmetic")
    cfg["task"]["limit"] = items
    cfg["generation"] = dict(SAMPLING)
    return cfg


def machinesom_sweep(items: int) -> dict[str, Any]:
    """MachineSoM's MMLU sweep cut to one society, strategies 000 and 001, one repeat."""
    sweep = _preset("machinesom-mmlu")
    sweep.pop("extra", None)
    base = sweep["base"]
    base["task"]["limit"] = items
    base["repeats"] = 1
    base["agents"] = copy.deepcopy(SOCIETY)
    base["generation"] = dict(SAMPLING)
    sweep["grid"] = {"protocol.strategy": ["000", "001"]}
    return sweep


@dataclass
class Figures:
    """One way on one workload."""

    workload: str
    way: str
    calls: CallTally
    wall_s: float
    load: tuple[float, float]

    @property
    def processed(self) -> int:
        """Prompt tokens prefilled plus completion tokens."""
        return self.calls.prefilled + self.calls.completion

    @property
    def per_1k(self) -> float:
        """Seconds per 1,000 processed tokens."""
        return 1000 * self.wall_s / max(1, self.processed)

    @property
    def per_1k_completion(self) -> float:
        """Seconds per 1,000 completion tokens."""
        return 1000 * self.wall_s / max(1, self.calls.completion)


def backend_for(way: str, threads: int, url: str | None) -> dict[str, Any]:
    """The ``local`` backend of ``way``."""
    if way == "sequential":
        assert url is not None
        return {"kind": "openai", "model": "local", "base_url": f"{url}/v1", "max_concurrency": 1}
    if way.startswith("llamacpp"):
        spec: dict[str, Any] = {"kind": "llamacpp", "threads": threads}
        spec["ctx_per_slot"] = CTX_PER_SLOT
        if way != "llamacpp":
            spec["slot_affinity"] = way.removeprefix("llamacpp-")
        return spec
    spec = {"kind": "hf", "model": "smollm2-135m-instruct", "threads": threads}
    if way == "hf-seq":
        spec["max_batch"] = 1
    return spec


async def _sequential_server(threads: int) -> Any:
    """A llama.cpp server started as the ``llamacpp`` backend starts its own."""
    from agents.backends.llamacpp import LlamaCppProvider, LlamaCppSpec

    server = LlamaCppProvider(LlamaCppSpec(threads=threads, ctx_per_slot=CTX_PER_SLOT), name="seq")
    await server.start()
    return server


async def run_way(workload: str, way: str, args: argparse.Namespace) -> Figures:
    """Run ``workload`` the ``way`` way in a fresh folder; its figures."""
    from societies import api
    from societies.engine.gctune import gc_tuned

    items = {"du": args.du_items, "machinesom": args.machinesom_items}[workload]
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, captured_records() as found, gc_tuned():
        start = time.perf_counter()
        server = await _sequential_server(args.threads) if way == "sequential" else None
        try:
            url = server.url if server is not None else None
            local = backend_for(way, args.threads, url)
            cache: Literal["on", "off"] = "off" if way == "sequential" else "on"
            if workload == "du":
                cfg = du_config(items)
                cfg["backends"] = {"local": local}
                if way == "sequential":
                    cfg["concurrency"] = 1
                results = await api.run_async(cfg, Path(tmp) / "run", cache=cache)
                status = results.status
            else:
                sweep = machinesom_sweep(items)
                sweep["base"]["backends"] = {"local": local}
                if way == "sequential":
                    sweep["base"]["concurrency"] = 1
                    sweep["max_parallel_cells"] = 1
                outcome = await api.sweep_async(sweep, Path(tmp) / "sweep", cache=cache)
                status = [c.status for c in outcome.outcome.cells]
        finally:
            if server is not None:
                await server.close()
        wall = time.perf_counter() - start
    if any(s != "complete" for s in status):
        raise SystemExit(f"{workload}/{way}: run ended {status}")
    return Figures(workload, way, tally_calls(found), wall, (load0, os.getloadavg()[0]))


def table(figures: list[Figures]) -> str:
    """A Markdown table, ratios to the ``sequential`` way of the same workload."""
    rows = [
        "| workload | way | calls | prompt sent | prefilled | added | prefilled / added | "
        "completion | wall s | s / 1k processed | x seq | s / 1k completion | x seq | load |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
        "---: | --- |",
    ]
    seq = {f.workload: f for f in figures if f.way == "sequential"}
    for f in figures:
        c, base = f.calls, seq.get(f.workload)
        ratio = f"{f.per_1k / base.per_1k:.2f}" if base else ""
        ratio_c = f"{f.per_1k_completion / base.per_1k_completion:.2f}" if base else ""
        added = f"{c.added:,}" if c.added else ""
        over = f"{c.prefilled / c.added:.2f}" if c.added else ""
        rows.append(
            f"| {f.workload} | {f.way} | {c.calls} | {c.prompt:,} | {c.prefilled:,} | {added} | "
            f"{over} | {c.completion:,} | {f.wall_s:.1f} | {f.per_1k:.2f} | {ratio} | "
            f"{f.per_1k_completion:.2f} | {ratio_c} | {f.load[0]:.1f}-{f.load[1]:.1f} |"
        )
    return "\n".join(rows)


async def measure(args: argparse.Namespace) -> list[Figures]:
    """Every workload, every way, in the order given."""
    out = []
    for workload in args.workloads:
        for way in args.ways:
            print(f"  {workload} / {way} ...", end="", flush=True)
            f = await run_way(workload, way, args)
            c = f.calls
            print(
                f" {f.wall_s:.1f} s, {f.per_1k:.2f} s per 1k processed tokens ({c.calls} calls, "
                f"prefilled {c.prefilled} of {c.prompt}, added {c.added}, completion "
                f"{c.completion}; load {f.load[0]:.1f}-{f.load[1]:.1f})",
                flush=True,
            )
            out.append(f)
    return out


def main() -> None:
    """Parse the arguments, measure, print the table, write the README section."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 Du items and 1 MMLU item")
    ap.add_argument("--workloads", nargs="+", choices=("du", "machinesom"), default=None)
    ap.add_argument(
        "--ways", nargs="+", choices=WAYS, help="default: sequential llamacpp llamacpp-server hf"
    )
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args()
    args.workloads = args.workloads or ["du", "machinesom"]
    args.ways = args.ways or ["sequential", "llamacpp", "llamacpp-server", "hf"]
    args.du_items, args.machinesom_items = (2, 1) if args.quick else (10, 5)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    header = (
        f"{os.cpu_count()} CPUs, {args.threads} thread(s) per way; Du {args.du_items} items, "
        f"MachineSoM {args.machinesom_items} items; load average {os.getloadavg()[0]:.1f} at start"
    )
    print(header)
    figures = asyncio.run(measure(args))
    text = table(figures)
    print(text)
    if not args.no_readme:
        write_figures("workloads", f"Measured {date.today().isoformat()}: {header}.\n\n{text}")
        print(f"wrote the {SECTION!r} section of {README}")


if __name__ == "__main__":
    main()
