"""SmolLM2 + Gemma 3 270M fused by DeePEn, answering arithmetic as one agent of a society.

The transcript must carry each turn's fusion statistics and the anchor count,
and a rerun served from the response cache must be byte-identical (volatile
fields aside) without loading any model.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from agents.backends import EnsembleProvider

HAS_HF = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "gguf"))
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not HAS_HF, reason="needs torch, transformers and gguf"),
]

MEMBER: dict[str, Any] = {"device": "cpu", "threads": 1}
MEMBERS = [
    {"model": "smollm2-135m-instruct", "dtype": "bfloat16", **MEMBER},
    # a base model with another architecture and a 262,144-token SentencePiece vocabulary
    {"model": "gemma3-270m", "chat_template": "plain", "dtype": "float32", **MEMBER},
]


def config(cache: Path) -> dict[str, Any]:
    """One agent on the ensemble, 5 arithmetic questions, its independent answers only."""
    return {
        "name": "fused-arithmetic",
        "seed": 5,
        "task": {"name": "arithmetic", "limit": 5},
        "backends": {"fused": {"kind": "ensemble", "members": MEMBERS, "weights": [0.5, 0.5]}},
        "agents": [{"name": "ada", "trait": "easy-going", "backend": "fused"}],
        "protocol": {"strategy": []},
        "generation": {"max_tokens": 16},
        "cache": {"path": str(cache)},
    }


def computed_anchor_count(models: list[dict[str, Any]]) -> int:
    """The anchors counted another way: the text each non-special token decodes to alone."""
    from agents.backends import HFProvider, HFSpec
    from agents.backends.ensemble.tokenizers import load_tokenizer

    texts = []
    for m in models:
        tok = load_tokenizer(HFProvider.from_spec(HFSpec(**m), name="m"))
        special = set(tok.all_special_ids) | {
            i for i, t in tok.added_tokens_decoder.items() if t.special
        }
        ids = [i for i in range(len(tok)) if i not in special]
        decoded = {tok.decode([i]) for i in ids}
        # U+FFFD stands for an incomplete byte sequence, unless a token is that character itself
        whole = len(tok.encode("\ufffd", add_special_tokens=False)) == 1
        texts.append({t for t in decoded if t and ("\ufffd" not in t or (whole and t == "\ufffd"))})
    return len(set.intersection(*texts))


def test_an_ensemble_agent_records_fusion_and_reruns_from_the_cache(
    gemma_gguf_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from societies.config import parse_config
    from societies.engine.experiment import run_experiment
    from societies.transcript import read_transcript, strip_volatile

    data = config(tmp_path / "cache.db")

    def run(name: str) -> list[str]:
        result = run_experiment(parse_config(data), tmp_path / name, cache="on")
        assert result.status == "complete" and not result.errors
        return (tmp_path / name / "transcript.jsonl").read_text(encoding="utf-8").splitlines()

    first = run("first")
    t = read_transcript(tmp_path / "first" / "transcript.jsonl")
    assert len(t.turns) == 5
    for turn in t.turns:
        stats = turn.backend_stats
        assert stats is not None and set(stats) == {"steps", "fused", "changed", "distance"}
        assert 0 < stats["steps"] <= 16 and stats["changed"] <= stats["fused"] <= stats["steps"]
    assert sum(turn.backend_stats["fused"] for turn in t.turns if turn.backend_stats) > 0
    identity = t.header.components["backends"]["fused"]
    assert identity["anchors"] == computed_anchor_count(MEMBERS)
    assert len(identity["members"]) == 2 and identity["method"] == "deepen"

    async def no_start(self: EnsembleProvider) -> None:
        raise AssertionError("no model may load when every reply is cached")

    monkeypatch.setattr(EnsembleProvider, "start", no_start)
    again = run("again")

    def canonical(lines: list[str]) -> list[str]:
        return [json.dumps(strip_volatile(json.loads(line))) for line in lines]

    assert canonical(again) == canonical(first)
    assert all(
        turn.cached for turn in read_transcript(tmp_path / "again" / "transcript.jsonl").turns
    )
