"""Ensembles: what DeePEn fusion costs per generated token, against its members decoding alone.

``--cost`` (this part; ``--accuracy`` is the accuracy comparison with debate):
for the same arithmetic prompts, in one process, with the members' models
loaded once and shared,

1. each member decodes greedily on its own, exactly as the ``hf`` backend does
   (the engine's ``run_batch`` on one request);
2. the ``ensemble`` backend (``method: deepen``) decodes the same prompts.

The cost per generated token of way 2 is compared with the *sum* of the
members' costs per generated token in way 1 (target: at most 1.3x). Prompts
alternate between the ways, so a change of load on a shared machine hits both.
Reported: wall seconds and process CPU seconds (less sensitive to other jobs),
tokens, the ratio, the fusion counters and the relative-row cache's hit rate.

Run: ``python benchmarks/perf/ensemble.py --cost`` (``--member MODEL[:TEMPLATE]``
twice or more, default SmolLM2-135M-Instruct and Gemma 3 270M under ``plain``;
``--prompts 4`` for a quick check; ``--device cuda`` on a GPU machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PLAIN = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)
"""A role-labelled prompt format, for a member that differs from the default-template one."""


@dataclass
class Tally:
    """Time and tokens of one way of decoding."""

    wall: float = 0.0
    cpu: float = 0.0
    tokens: int = 0
    replies: list[str] = field(default_factory=list)

    def per_token(self, which: str) -> float:
        return (self.wall if which == "wall" else self.cpu) / max(self.tokens, 1)


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(tally: Tally, fn: Any) -> Any:
    wall, cpu = time.perf_counter(), cpu_seconds()
    out = fn()
    tally.wall += time.perf_counter() - wall
    tally.cpu += cpu_seconds() - cpu
    return out


def member_spec(text: str, args: argparse.Namespace) -> Any:
    from agents.backends import HFSpec

    model, _, template = text.partition(":")
    chat_template = PLAIN if template == "plain-test" else (template or None)
    return HFSpec(
        model=model, chat_template=chat_template, device=args.device, dtype=args.dtype,
        threads=args.threads,
    )  # fmt: skip


def member_reply(engine: Any, messages: Any, params: Any) -> Any:
    """One member's own greedy reply, decoded as the ``hf`` backend decodes a lone request."""
    done = engine.run_batch([engine.job(messages, params)])[0]
    if isinstance(done, BaseException):
        raise done
    return done


def prompts(n: int) -> list[str]:
    from benchmarks import ArithmeticSpec

    task = ArithmeticSpec(name="arithmetic", limit=n).build()
    return [q.prompt for q in task.questions()]


def run_cost(args: argparse.Namespace) -> None:
    from agents.backends import EnsembleProvider, EnsembleSpec, GenParams, Message
    from agents.backends.ensemble.decode import decode_deepen

    spec = EnsembleSpec(members=[member_spec(m, args) for m in args.member], top_k=args.top_k)
    provider = EnsembleProvider.from_spec(spec, name="fused")
    started = time.perf_counter()
    anchors = len(provider.anchors())
    asyncio.run(provider.start())
    load = time.perf_counter() - started
    engines = provider._engines
    assert engines is not None
    executor = provider._executor
    assert executor is not None
    members = [Tally() for _ in engines]
    fused = Tally()
    stats = {"steps": 0.0, "fused": 0.0, "changed": 0.0}
    distance = 0.0
    params = GenParams(max_tokens=args.max_tokens)
    deepen = partial(decode_deepen, engines, provider._fusion, provider._follows)
    for text in prompts(args.prompts):
        messages = (Message(role="user", content=text),)
        for engine, tally in zip(engines, members, strict=True):
            alone = partial(member_reply, engine, messages, params)
            reply = executor.submit(timed, tally, alone).result()
            tally.tokens += reply.usage.completion_tokens
            tally.replies.append(reply.text)
        out = executor.submit(timed, fused, partial(deepen, messages, params)).result()
        assert out.stats is not None
        fused.tokens += int(out.stats["steps"])
        fused.replies.append(out.text)
        for key in stats:
            stats[key] += out.stats[key]
        distance += out.stats["distance"] * out.stats["fused"]
    caches = {id(r): r for r in provider._fusion.rows}.values()
    hits, misses = sum(r.hits for r in caches), sum(r.misses for r in caches)
    asyncio.run(provider.close())
    report(args, anchors, load, members, fused, stats, distance, hits, misses)


def report(
    args: argparse.Namespace,
    anchors: int,
    load: float,
    members: list[Tally],
    fused: Tally,
    stats: dict[str, float],
    distance: float,
    hits: int,
    misses: int,
) -> None:
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, load {os.getloadavg()}")
    print(f"members: {args.member}; threads {args.threads}; device {args.device}; {args.dtype}")
    print(f"anchors {anchors}; top_k {args.top_k}; load (tokenizers, models) {load:.1f} s")
    print(f"{args.prompts} prompts, max_tokens {args.max_tokens}")
    print("| way | tokens | wall s | CPU s | wall ms/token | CPU ms/token |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, t in [*zip(args.member, members, strict=True), ("DeePEn", fused)]:
        print(f"| {name} | {t.tokens} | {t.wall:.1f} | {t.cpu:.1f} | "
              f"{1000 * t.per_token('wall'):.1f} | {1000 * t.per_token('cpu'):.1f} |")  # fmt: skip
    for which in ("wall", "cpu"):
        total = sum(t.per_token(which) for t in members)
        print(f"{which}: DeePEn / sum of members per token = {fused.per_token(which) / total:.2f}")
    fused_steps = max(stats["fused"], 1)
    print(f"steps {stats['steps']:.0f}, fused {stats['fused']:.0f}, changed {stats['changed']:.0f},"
          f" mean distance {distance / fused_steps:.4f}; row cache hit rate "
          f"{hits / max(hits + misses, 1):.2f} ({hits} hits, {misses} misses)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cost", action="store_true", help="the cost comparison (default)")
    parser.add_argument(
        "--accuracy",
        action="store_true",
        help="each member, DeePEn, vote and debate on arithmetic and MMLU "
        "(benchmarks/perf/ensemble_accuracy.py; --max-tokens applies)",
    )
    parser.add_argument(
        "--member",
        action="append",
        help="MODEL[:TEMPLATE] (TEMPLATE: plain-test, or any chat_template value), 2 or more",
    )
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="auto")
    from benchmarks.perf.ensemble_accuracy import add_arguments, run_accuracy

    add_arguments(parser)
    args = parser.parse_args()
    if args.accuracy:
        run_accuracy(args)
        return
    args.member = args.member or ["smollm2-135m-instruct", "gemma3-270m:plain"]
    run_cost(args)


if __name__ == "__main__":
    main()
