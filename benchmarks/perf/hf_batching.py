"""HF cross-agent batching: agent-turns/s of one society experiment, several ways, one process.

The experiment: 3 agents (one overconfident, two easy-going) debate 8 arithmetic
questions for 3 rounds after their independent answers (4 turns each, 96 agent-
turns), on SmolLM2-135M-Instruct, greedy, max_tokens 64, response cache off.
It runs

1. ``batched``: sociolab, ``hf`` backend, default batching (``max_batch`` 16);
2. ``sequential``: sociolab, ``hf`` backend, ``max_batch: 1`` (one call at a time,
   the way MachineSoM and Du et al. call models);
3. ``raw``: plain ``model.generate`` (transformers defaults: sdpa attention) on the
   prompts of run 1, in the batches run 1 formed, back to back: the speed of the
   model alone, with no framework around it;
4. ``llamacpp``: sociolab, ``llamacpp`` backend (the same GGUF, llama.cpp server);

and optionally ``raw-seq`` (``--raw-sequential``): plain ``model.generate`` on the
same prompts one at a time, and ``batched, no reuse`` (``--without-reuse``): way 1
with ``prefix_cache_mb: 0``, every prompt prefilled in full (ways 1 and 2 keep
each agent's prompt state for its next turn, the default). It prints agent-turns/s (wall clock) and CPU seconds
per turn (this process and its children: less sensitive to other jobs on a
shared machine) and the ratios, checks that batched and sequential runs gave
identical transcripts (greedy replies must not depend on batching), and writes
the figures into the ``hf_batching`` section of ``benchmarks/perf/README.md``
(``--no-readme`` to skip).

Run: ``python benchmarks/perf/hf_batching.py`` (``--device cuda`` on a GPU machine,
``--questions 2`` for a quick check).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

README = Path(__file__).with_name("README.md")
SECTION = "## hf_batching"
BEGIN = "<!-- hf_batching figures: written by benchmarks/perf/hf_batching.py -->"
END = "<!-- end of hf_batching figures -->"
DESCRIPTION = (
    "`python benchmarks/perf/hf_batching.py`: one society experiment run several ways "
    "in one process (see the script's docstring)."
)


def config(backend: dict[str, Any], questions: int, max_tokens: int) -> dict[str, Any]:
    """The benchmark society on ``backend``."""
    return {
        "name": "hf-batching",
        "seed": 0,
        "task": {"name": "arithmetic", "limit": questions},
        "backends": {"local": backend},
        "agents": [
            {"name": "ada", "trait": "overconfident", "backend": "local"},
            {"name": "bo", "trait": "easy-going", "backend": "local"},
            {"name": "cy", "trait": "easy-going", "backend": "local"},
        ],
        "graph": {"kind": "complete"},
        "protocol": {"strategy": ["debate", "debate", "debate"]},
        "generation": {"temperature": 0.0, "max_tokens": max_tokens},
        "concurrency": questions,
        "cache": {"enabled": False},
    }


@dataclass
class Way:
    """The measurement of one way of running the experiment."""

    name: str
    turns: int
    wall_s: float
    cpu_s: float
    completion_tokens: int
    note: str = ""

    @property
    def turns_per_s(self) -> float:
        """Agent-turns per wall-clock second."""
        return self.turns / self.wall_s

    @property
    def cpu_per_turn(self) -> float:
        """CPU seconds per agent-turn."""
        return self.cpu_s / self.turns


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class _Batches(logging.Handler):
    """Collects the batch records the hf backend logs at DEBUG level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[Any] = []

    def emit(self, record: logging.LogRecord) -> None:
        batch = getattr(record, "hf_batch", None)
        if batch is not None:
            self.records.append(batch)


@contextmanager
def _capture() -> Iterator[_Batches]:
    log = logging.getLogger("agents.backends.hf")
    handler = _Batches()
    old = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        log.removeHandler(handler)
        log.setLevel(old)


def run_sociolab(name: str, backend: dict[str, Any], args: argparse.Namespace) -> tuple[Way, Any]:
    """Run the experiment through sociolab; return the measurement and the transcript lines."""
    from societies.config import parse_config
    from societies.engine.experiment import run_experiment
    from societies.engine.gctune import gc_tuned

    cfg = parse_config(config(backend, args.questions, args.max_tokens))
    # gc_tuned: as the CLI does around a run.
    with tempfile.TemporaryDirectory() as tmp, _capture() as batches, gc_tuned():
        cpu0, start = _cpu(), time.perf_counter()
        result = run_experiment(cfg, Path(tmp), cache="off")
        wall, cpu = time.perf_counter() - start, _cpu() - cpu0
        lines = (Path(tmp) / "transcript.jsonl").read_text(encoding="utf-8").splitlines()
    if result.status != "complete":
        raise SystemExit(f"{name}: run ended {result.status}: {result.errors}")
    usage = result.usage["local"]
    # Model loading is part of the wall time: report it so the reader can subtract it.
    sizes = [len(b.prompts) for b in batches.records]
    note = f"{len(sizes)} batches, sizes {_histogram(sizes)}" if sizes else ""
    if batches.records:
        prompt = sum(sum(b.prompt_tokens) for b in batches.records)
        prefilled = sum(b.prefilled_tokens for b in batches.records)
        note += f"; prefilled {prefilled:,} of {prompt:,} prompt tokens"
    way = Way(name, result.turns, wall, cpu, usage["completion_tokens"], note)
    return way, (lines, batches.records)


def _histogram(sizes: list[int]) -> str:
    counts: dict[int, int] = {}
    for s in sizes:
        counts[s] = counts.get(s, 0) + 1
    return " ".join(f"{k}x{v}" for k, v in sorted(counts.items(), reverse=True))


def run_raw(name: str, batches: list[Any], args: argparse.Namespace, *, one_by_one: bool) -> Way:
    """Plain ``model.generate`` on the recorded prompts (in their batches, or one at a time).

    It runs on a thread of its own that ends with it: torch's OpenMP keeps a thread
    pool per calling thread, and one left behind by this way (say on the main
    thread) would slow every later way's worker thread by about 1.5x.
    """
    result: list[Way] = []
    thread = threading.Thread(
        target=lambda: result.append(_raw(name, batches, args, one_by_one=one_by_one))
    )
    thread.start()
    thread.join()
    if not result:
        raise SystemExit(f"{name}: failed (see the traceback above)")
    return result[0]


def _raw(name: str, batches: list[Any], args: argparse.Namespace, *, one_by_one: bool) -> Way:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agents.backends.hf.convert import converted_dir
    from agents.backends.model_store import EMBEDDED_MODELS

    folder = converted_dir(EMBEDDED_MODELS["smollm2-135m-instruct"].sha256, args.dtype)
    threads_before = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    cpu0, start = _cpu(), time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, args.dtype))
    model.to(args.device).eval()
    groups = (
        [[p] for b in batches for p in b.prompts] if one_by_one else [b.prompts for b in batches]
    )
    turns = tokens = 0
    for prompts in groups:
        enc = tokenizer(
            list(prompts),
            return_tensors="pt",
            padding=True,
            padding_side="left",
            add_special_tokens=False,
        ).to(args.device)
        with torch.inference_mode():
            out = model.generate(
                **enc,
                max_new_tokens=args.max_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
        new = out[:, enc["input_ids"].shape[1] :]
        texts = tokenizer.batch_decode(new, skip_special_tokens=True)
        turns += len(texts)
        tokens += int((new != tokenizer.pad_token_id).sum())
    wall, cpu = time.perf_counter() - start, _cpu() - cpu0
    torch.set_num_threads(threads_before)
    return Way(name, turns, wall, cpu, tokens, f"{len(groups)} generate calls")


def _replies(lines: list[str]) -> list[tuple[Any, ...]]:
    out = []
    for line in lines:
        event = json.loads(line)
        if event.get("type") == "turn":
            out.append((event["episode"], event["agent"], event["round"], event["reply"]))
    return sorted(out)


def measure(args: argparse.Namespace) -> tuple[list[Way], bool]:
    """Run every way once; return the measurements and whether batched == sequential."""
    hf: dict[str, Any] = {"kind": "hf", "model": "smollm2-135m-instruct", "dtype": args.dtype}
    hf["device"] = args.device
    llama: dict[str, Any] = {"kind": "llamacpp", "n_parallel": 8}
    if args.threads:
        hf["threads"] = llama["threads"] = args.threads
    ways: list[Way] = []
    if args.warmup:  # first calls pay for kernel set-up; keep that out of every way
        warm = argparse.Namespace(**{**vars(args), "questions": 1})
        run_sociolab("warm-up", hf, warm)

    def step(label: str, fn: Callable[[], Way]) -> None:
        print(f"  {label} ...", end="", flush=True)
        way = fn()
        ways.append(way)
        print(f" {way.turns_per_s:.3f} turns/s ({way.wall_s:.1f} s)", flush=True)

    batched, (batched_lines, batches) = run_sociolab("batched", hf, args)
    ways.append(batched)
    print(f"  batched ... {batched.turns_per_s:.3f} turns/s ({batched.wall_s:.1f} s)", flush=True)
    step("raw", lambda: run_raw("raw", batches, args, one_by_one=False))
    sequential, (seq_lines, _) = run_sociolab("sequential", {**hf, "max_batch": 1}, args)
    ways.append(sequential)
    print(f"  sequential ... {sequential.turns_per_s:.3f} turns/s ({sequential.wall_s:.1f} s)")
    if args.raw_sequential:
        step("raw-seq", lambda: run_raw("raw-seq", batches, args, one_by_one=True))
    if args.without_reuse:
        no_reuse = {**hf, "prefix_cache_mb": 0}
        step("batched, no reuse", lambda: run_sociolab("batched, no reuse", no_reuse, args)[0])
    if not args.skip_llamacpp:
        step(
            "llamacpp",
            lambda: run_sociolab("llamacpp", llama, args)[0],
        )
    same = _replies(batched_lines) == _replies(seq_lines)
    return ways, same


def table(ways: list[Way]) -> str:
    """A Markdown table of the measurements with ratios to ``sequential`` and ``raw``."""
    by = {w.name: w for w in ways}
    rows = [
        "| way | turns | wall s | turns/s | x sequential | vs raw | CPU s/turn | notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for w in ways:
        seq = by.get("sequential")
        raw = by.get("raw")
        x_seq = f"{w.turns_per_s / seq.turns_per_s:.2f}" if seq else ""
        vs_raw = f"{w.turns_per_s / raw.turns_per_s:.2f}" if raw else ""
        rows.append(
            f"| {w.name} | {w.turns} | {w.wall_s:.1f} | {w.turns_per_s:.3f} | {x_seq} | "
            f"{vs_raw} | {w.cpu_per_turn:.2f} | {w.note} |"
        )
    return "\n".join(rows)


def write_readme(figures: str) -> None:
    """Put ``figures`` between the markers of the ``hf_batching`` README section.

    The rest of the section (the hand-written analysis) is kept; a missing
    section is created with a short description.
    """
    text = README.read_text(encoding="utf-8") if README.exists() else "# Performance benchmarks\n"
    block = f"{BEGIN}\n{figures.strip()}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    elif SECTION in text.splitlines():
        lines = text.splitlines()
        at = lines.index(SECTION)
        end = next((i for i in range(at + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        text = "\n".join([*lines[:end], "", block, "", *lines[end:]])
    else:
        text = f"{text.rstrip()}\n\n{SECTION}\n\n{DESCRIPTION}\n\n{block}\n"
    README.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    """Measure ``--runs`` times; print the tables; write the README section."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--questions", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="bfloat16")
    ap.add_argument("--threads", type=int, help="CPU threads (default: torch's choice)")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false")
    ap.add_argument("--runs", type=int, default=1, help="measure everything this many times")
    ap.add_argument("--raw-sequential", action="store_true", help="also raw generate, 1 by 1")
    ap.add_argument(
        "--without-reuse", action="store_true", help="also batched with prefix_cache_mb: 0"
    )
    ap.add_argument("--skip-llamacpp", action="store_true")
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.getLogger("transformers").setLevel(logging.ERROR)

    import torch

    threads = args.threads or torch.get_num_threads()
    header = (
        f"{platform.node() or 'machine'}: {os.cpu_count()} CPUs, torch {torch.__version__} "
        f"({threads} threads), device {args.device}, {args.dtype}; "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    print(header)
    results = []
    for run in range(1, args.runs + 1):
        print(f"run {run}:")
        ways, same = measure(args)
        results.append((ways, same))
        print(table(ways))
        print(f"batched and sequential transcripts give identical replies: {same}")
    if args.no_readme:
        return
    body = [
        f"Measured {date.today().isoformat()}: {header}. {args.questions} questions "
        f"({args.questions * 12} agent-turns), max_tokens {args.max_tokens}.",
    ]
    for i, (ways, same) in enumerate(results, 1):
        body += ["", f"Run {i} (batched replies identical to sequential: {same}):", "", table(ways)]
    write_readme("\n".join(body))
    print(f"wrote the {SECTION!r} section of {README}")


if __name__ == "__main__":
    main()
