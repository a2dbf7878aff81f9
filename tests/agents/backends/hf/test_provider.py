"""The ``hf`` backend: the micro-batcher, and the real SmolLM2 model through transformers.

The model tests use the embedded SmolLM2-135M-Instruct GGUF (offline), converted
once per test run into a temporary sociolab cache (so the conversion itself is
tested), and a module-scoped provider so the model loads once.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from agents.backends import ChatRequest, Completion, GenParams, HFProvider, HFSpec, Message
from agents.backends.hf.batcher import MicroBatcher
from agents.backends.hf.convert import MARKER
from agents.backends.hf.jobs import GenJob
from agents.backends.model_store import EMBEDDED_MODELS
from agents.errors import BackendConfigError, BackendError

HAS_HF = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "gguf"))
needs_hf = pytest.mark.skipif(not HAS_HF, reason="needs torch, transformers and gguf")

# Every test here loads the real SmolLM2 model (or converts its GGUF) unless it says otherwise.
pytestmark = pytest.mark.integration
SMOL = EMBEDDED_MODELS["smollm2-135m-instruct"]
# One torch thread: CI machines have 2 cores shared with other jobs, where two threads
# spend most of their time waiting at barriers for a descheduled peer.
THREADS = 1

PROMPTS = [
    "What is 7 times 8?",
    "Name three colours.",
    "Write one sentence about the sea.",
    "What is the capital of France? Explain briefly.",
    "List the planets of the solar system in order from the sun, with one fact about each.",
]


def request(text: str, **params: Any) -> ChatRequest:
    """A one-message chat request (greedy, 24 new tokens unless told)."""
    params.setdefault("max_tokens", 24)
    return ChatRequest(messages=(Message(role="user", content=text),), params=GenParams(**params))


# --- the batcher (no torch needed) ---------------------------------------------------------


class Recorder:
    """A batch function that records the batches it was given and echoes its jobs."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.fail_on = fail_on

    def __call__(self, jobs: Sequence[str]) -> list[str | BaseException]:
        self.batches.append(list(jobs))
        if self.fail_on is not None and self.fail_on in jobs:
            raise RuntimeError("batch failed")
        return [ValueError(j) if j.startswith("bad") else f"done {j}" for j in jobs]


async def test_batcher_fills_batches_and_groups_by_key() -> None:
    run = Recorder()
    batcher: MicroBatcher[str, str] = MicroBatcher(run, max_batch=3, max_wait_s=0.05, name="t")
    jobs = [("a1", 1), ("b1", 2), ("a2", 1), ("a3", 1), ("a4", 1), ("b2", 2)]
    results = await asyncio.gather(*(batcher.submit(j, key=k, size=len(j)) for j, k in jobs))
    await batcher.close()
    assert results == [f"done {j}" for j, _ in jobs]
    # The oldest job's group first, at most max_batch per batch, keys never mixed.
    assert run.batches == [["a1", "a2", "a3"], ["b1", "b2"], ["a4"]]
    assert batcher.stats.sizes == [3, 2, 1]


async def test_batcher_picks_similar_lengths_around_the_oldest() -> None:
    run = Recorder()
    batcher: MicroBatcher[str, str] = MicroBatcher(run, max_batch=2, max_wait_s=0.05, name="t")
    sizes = {"x": 50, "long": 100, "short": 1, "tiny": 2, "mid": 49}
    await asyncio.gather(*(batcher.submit(j, key=0, size=s) for j, s in sizes.items()))
    await batcher.close()
    # "x" (oldest, 50) goes with its nearest length ("mid", 49), sorted by length.
    assert run.batches[0] == ["mid", "x"]
    assert all(len(b) <= 2 for b in run.batches)


async def test_batcher_runs_a_lone_request_after_max_wait() -> None:
    run = Recorder()
    batcher: MicroBatcher[str, str] = MicroBatcher(run, max_batch=8, max_wait_s=0.01, name="t")
    assert await batcher.submit("only", key=0, size=1) == "done only"
    await batcher.close()
    assert run.batches == [["only"]]


async def test_batcher_errors_reach_only_their_callers() -> None:
    run = Recorder(fail_on="boom")
    batcher: MicroBatcher[str, str] = MicroBatcher(run, max_batch=4, max_wait_s=0.02, name="t")
    ok, bad = await asyncio.gather(
        batcher.submit("ok", key=0, size=1),
        batcher.submit("bad1", key=0, size=1),
        return_exceptions=True,
    )
    assert ok == "done ok" and isinstance(bad, ValueError)
    with pytest.raises(RuntimeError, match="batch failed"):
        await batcher.submit("boom", key=1, size=1)
    # The worker survives a failed batch.
    assert await batcher.submit("after", key=0, size=1) == "done after"
    await batcher.close()
    with pytest.raises(BackendError, match="closed"):
        await batcher.submit("late", key=0, size=1)


async def test_batcher_skips_cancelled_requests() -> None:
    run = Recorder()
    batcher: MicroBatcher[str, str] = MicroBatcher(run, max_batch=4, max_wait_s=0.05, name="t")
    gone = asyncio.ensure_future(batcher.submit("gone", key=0, size=1))
    kept = asyncio.ensure_future(batcher.submit("kept", key=0, size=1))
    await asyncio.sleep(0)
    gone.cancel()
    assert await kept == "done kept"
    await batcher.close()
    assert run.batches == [["kept"]]


async def test_the_model_loads_on_the_thread_that_runs_its_batches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """torch keeps an OpenMP thread pool per calling thread; a second one slows decoding."""
    import threading

    threads: dict[str, set[int]] = {"load": set(), "batch": set()}

    class FakeEngine:
        device = "cpu"
        torch = None

        def job(self, messages: Sequence[Message], params: GenParams) -> GenJob:
            return GenJob(prompt=messages[-1].content, params=params)

        def run_batch(self, jobs: Sequence[Any]) -> list[Completion]:
            threads["batch"].add(threading.get_ident())
            return [Completion(text=j.prompt.upper(), finish_reason="stop") for j in jobs]

    def fake_load(self: HFProvider) -> FakeEngine:
        threads["load"].add(threading.get_ident())
        return FakeEngine()

    monkeypatch.setattr(HFProvider, "_load", fake_load)
    prov = HFProvider.from_spec(HFSpec(max_batch=2), name="fake")
    await prov.start()
    replies = await asyncio.gather(*(prov.generate(request(t)) for t in ("a", "b", "c")))
    await prov.close()
    assert [r.text for r in replies] == ["A", "B", "C"]
    assert len(threads["load"]) == 1 and threads["batch"] == threads["load"]
    assert threading.get_ident() not in threads["load"]


# --- spec and identity (no model load) -----------------------------------------------------


def test_spec_is_part_of_the_config_union() -> None:
    from societies.config import parse_config

    cfg = parse_config(
        {
            "name": "x",
            "task": {"name": "arithmetic", "limit": 1},
            "backends": {"m": {"kind": "hf", "max_batch": 4, "dtype": "float32"}},
            "agents": [{"name": "a", "backend": "m"}],
        }
    )
    spec = cfg.backends["m"]
    assert isinstance(spec, HFSpec)
    assert (spec.model, spec.max_batch, spec.dtype) == ("smollm2-135m-instruct", 4, "float32")


def test_bad_model_references_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(BackendConfigError, match="does not exist"):
        HFProvider.from_spec(HFSpec(model=str(tmp_path / "nope.gguf")), name="m")
    with pytest.raises(BackendConfigError, match=r"no config\.json"):
        HFProvider.from_spec(HFSpec(model=str(tmp_path)), name="m")
    with pytest.raises(BackendConfigError, match="not an embedded model"):
        HFProvider.from_spec(HFSpec(model="not a model"), name="m")
    with pytest.raises(BackendConfigError, match="revision"):
        HFProvider.from_spec(HFSpec(revision="main"), name="m")
    with pytest.raises(ValueError, match="device"):
        HFSpec(device="gpu")
    hub = HFProvider.from_spec(HFSpec(model="HuggingFaceTB/SmolLM2-135M-Instruct"), name="m")
    assert hub.source.hub == "HuggingFaceTB/SmolLM2-135M-Instruct"


def test_module_imports_without_torch() -> None:
    """Registering and configuring the backend needs no torch; using it says how to get it."""
    code = (
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "sys.modules['transformers'] = None\n"
        "from agents.backends import HFProvider, HFSpec\n"
        "from agents.errors import MissingDependencyError\n"
        "p = HFProvider.from_spec(HFSpec(), name='m')\n"
        "try:\n"
        "    p.identity()\n"
        "except MissingDependencyError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[4],
    )
    assert "pip install 'sociolab[hf]'" in out.stdout


@needs_hf
def test_identity_is_cheap_and_loads_nothing() -> None:
    bf16 = HFProvider.from_spec(HFSpec(dtype="bfloat16"), name="m")
    fp32 = HFProvider.from_spec(HFSpec(dtype="float32"), name="m")
    assert bf16.identity() == {
        "kind": "hf",
        "model_sha256": SMOL.sha256,
        "dtype": "bfloat16",
        "chat_template": None,
        "prefill": "chunks-at-assistant-turns",
    }
    assert fp32.identity()["dtype"] == "float32"
    assert bf16._engine is None and bf16.converted is None and bf16.load_path is None


# --- the real model ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hf_cache(gguf_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh sociolab cache holding (a link to) the embedded GGUF but no conversion yet."""
    if not HAS_HF:
        pytest.skip("needs torch, transformers and gguf")
    root = tmp_path_factory.mktemp("sociolab-cache")
    models = root / "models"
    models.mkdir()
    (models / gguf_path.name).symlink_to(gguf_path)
    shutil.copy(gguf_path.with_suffix(".sha256"), models / gguf_path.with_suffix(".sha256").name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOCIOLAB_CACHE_DIR", str(root))
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield root


@pytest.fixture(scope="module")
def provider(hf_cache: Path) -> Iterator[HFProvider]:
    """SmolLM2 on CPU in bfloat16, loaded once for the module (converting the GGUF first)."""
    spec = HFSpec(device="cpu", dtype="bfloat16", max_batch=8, threads=THREADS)
    prov = HFProvider.from_spec(spec, name="smol")
    asyncio.run(prov.start())
    yield prov
    asyncio.run(prov.close())


@pytest.fixture(scope="module")
def tokenizer(provider: HFProvider) -> Any:
    """The tokenizer of the converted model folder."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(provider.load_path)


async def alone(provider: HFProvider, reqs: Sequence[ChatRequest]) -> list[Completion]:
    """Each request on its own, one after another."""
    return [await provider.generate(r) for r in reqs]


async def together(provider: HFProvider, reqs: Sequence[ChatRequest]) -> list[Completion]:
    """All requests at once (they meet in the batcher)."""
    return list(await asyncio.gather(*(provider.generate(r) for r in reqs)))


def same(a: Completion, b: Completion) -> bool:
    """Equal apart from latency."""
    return (a.text, a.finish_reason, a.usage) == (b.text, b.finish_reason, b.usage)


@needs_hf
async def test_greedy_batched_equals_alone(provider: HFProvider) -> None:
    reqs = [request(p) for p in PROMPTS]
    before = len(provider.batch_stats.sizes) if provider.batch_stats else 0
    single = await alone(provider, reqs)
    batched = await together(provider, reqs)
    stats = provider.batch_stats
    assert stats is not None and max(stats.sizes[before:]) == len(PROMPTS)
    for a, b in zip(single, batched, strict=True):
        assert same(a, b), (a.text, b.text)
    assert all(c.text.strip() for c in single)
    assert all(c.latency_s > 0 for c in batched)


@needs_hf
@pytest.mark.parametrize("q_len", [1, 7])
def test_rowwise_attention_computes_each_row_alone(
    q_len: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One attention call per row, even for rows with equal padding: with several threads
    the kernel divides its work by the rows it is given, which (rarely) changes rounding."""
    import torch

    from agents.backends.hf.attention import rowwise_attention

    class Layer:
        is_causal = True

    gen = torch.Generator().manual_seed(0)
    batch, kv = 3, 7

    def rand(*shape: int) -> Any:
        return torch.randn(*shape, generator=gen).to(torch.bfloat16)

    q, k, v = rand(batch, 9, q_len, 64), rand(batch, 3, kv, 64), rand(batch, 3, kv, 64)
    mask = torch.ones(batch, 1, q_len, kv, dtype=torch.bool)
    if q_len > 1:
        mask = mask.tril()
    mask[2, ..., :3] = False  # rows 0 and 1 unpadded, row 2 with 3 padding tokens
    calls: list[int] = []
    sdpa = torch.nn.functional.scaled_dot_product_attention

    def counting(query: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(query.shape[0])
        return sdpa(query, *args, **kwargs)

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", counting)
    out, _ = rowwise_attention(Layer(), q, k, v, mask, scaling=0.125)
    assert calls == [1, 1, 1]
    for row, start in enumerate((0, 0, 3)):
        q_from = start if q_len > 1 else 0
        alone, _ = rowwise_attention(
            Layer(), q[row : row + 1, :, q_from:], k[row : row + 1, :, start:],
            v[row : row + 1, :, start:], None, scaling=0.125,
        )  # fmt: skip
        assert torch.equal(out[row, q_from:], alone[0])


@needs_hf
async def test_seeded_sampling_does_not_depend_on_the_batch(provider: HFProvider) -> None:
    reqs = [request(p, temperature=0.9, top_p=0.95, seed=11) for p in PROMPTS[:2]]
    single = await alone(provider, reqs)
    # In one batch with a greedy row and a differently seeded row.
    mixed = [*reqs, request(PROMPTS[3]), request(PROMPTS[0], temperature=0.9, seed=12)]
    batched = await together(provider, mixed)
    for a, b in zip(single, batched, strict=False):
        assert same(a, b), (a.text, b.text)
    assert batched[3].text != batched[0].text  # same prompt, another seed


@needs_hf
async def test_stop_strings_cut_the_reply(provider: HFProvider) -> None:
    prompt = PROMPTS[4]
    (full,) = await alone(provider, [request(prompt, max_tokens=48)])
    words = full.text.split()
    stop = " " + words[len(words) // 2]  # a word from the middle, with its leading space
    cut = full.text.find(stop)
    assert cut > 0
    stopped, plain = await together(
        provider,
        [request(prompt, max_tokens=48, stop=(stop, "never appears")), request(PROMPTS[1])],
    )
    assert stopped.text == full.text[:cut]
    assert stopped.finish_reason == "stop"
    assert stopped.usage.completion_tokens < full.usage.completion_tokens
    # A row without stop strings in the same batch is not affected.
    (plain_alone,) = await alone(provider, [request(PROMPTS[1])])
    assert same(plain, plain_alone)


@needs_hf
async def test_token_counts_are_exact(provider: HFProvider, tokenizer: Any) -> None:
    reqs = [request(PROMPTS[3], max_tokens=40), request(PROMPTS[4], max_tokens=5)]
    short_reply, cut_reply = await together(provider, reqs)
    for req, reply in zip(reqs, (short_reply, cut_reply), strict=True):
        prompt_ids = tokenizer.apply_chat_template(
            [m.model_dump() for m in req.messages], add_generation_prompt=True, tokenize=True
        )
        if not isinstance(prompt_ids, list):  # transformers 5 returns a BatchEncoding
            prompt_ids = prompt_ids["input_ids"]
        assert reply.usage.prompt_tokens == len(prompt_ids)
    # Ended by the model: the reply's tokens plus the end-of-sequence token.
    assert short_reply.finish_reason == "stop"
    reply_ids = tokenizer(short_reply.text, add_special_tokens=False)["input_ids"]
    assert short_reply.usage.completion_tokens == len(reply_ids) + 1
    # Ended by max_tokens.
    assert cut_reply.finish_reason == "length"
    assert cut_reply.usage.completion_tokens == 5
    assert tokenizer(cut_reply.text, add_special_tokens=False)["input_ids"]


@needs_hf
async def test_gguf_is_converted_once(provider: HFProvider, hf_cache: Path) -> None:
    assert provider.converted is True  # the module's first load converted the GGUF
    folder = Path(provider.load_path or "")
    assert folder.parent == hf_cache / "hf-converted" and SMOL.sha256 in folder.name
    marker = folder / MARKER
    stamp = (marker.stat().st_mtime_ns, (folder / "model.safetensors").stat().st_mtime_ns)
    spec = HFSpec(device="cpu", dtype="bfloat16", threads=THREADS)
    again = HFProvider.from_spec(spec, name="again")
    await again.start()
    try:
        assert again.converted is False
        assert again.load_path == provider.load_path
        (reply,) = await alone(again, [request(PROMPTS[0])])
        (reference,) = await alone(provider, [request(PROMPTS[0])])
        assert same(reply, reference)
    finally:
        await again.close()
    assert (marker.stat().st_mtime_ns, (folder / "model.safetensors").stat().st_mtime_ns) == stamp
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".") and p.is_dir()]


@needs_hf
async def test_kept_prompt_states_change_no_reply(provider: HFProvider) -> None:
    """A later turn prefills only its new part, and gives the reply a cold prefill gives."""
    store = provider.prefix_store
    assert store is not None
    store.clear()
    history = [
        Message(role="system", content="You are a careful assistant."),
        Message(role="user", content=PROMPTS[3]),
    ]
    short = GenParams(max_tokens=24)
    turns: list[Completion] = []
    computed: list[int] = []
    for _ in range(4):
        before = store.stats.computed_tokens
        (reply,) = await alone(provider, [ChatRequest(messages=tuple(history), params=short)])
        computed.append(store.stats.computed_tokens - before)
        turns.append(reply)
        history += [
            Message(role="assistant", content=reply.text),
            Message(role="user", content="Check that answer once more and correct it if needed."),
        ]
    # Turn 1 prefilled its whole prompt but the last token; each later turn only what
    # its prompt adds to the previous one.
    tokens = [t.usage.prompt_tokens for t in turns]
    assert computed == [tokens[0] - 1] + [b - a for a, b in itertools.pairwise(tokens)]
    last = ChatRequest(messages=tuple(history[:-2]), params=short)
    store.clear()  # nothing kept: the last turn again, computed from scratch, in a batch
    before = store.stats.computed_tokens
    cold, _ = await together(provider, [last, request(PROMPTS[0])])
    assert store.stats.computed_tokens - before >= tokens[-1] - 1
    assert same(cold, turns[-1]), (cold.text, turns[-1].text)


@needs_hf
def test_prompts_are_cut_where_the_history_s_assistant_turns_begin(
    provider: HFProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = provider._engine
    assert engine is not None
    chat = [
        Message(role="system", content="Be brief."),
        Message(role="user", content="Hi"),
        Message(role="assistant", content="Hello."),
        Message(role="user", content="And now?"),
        Message(role="assistant", content="Still here."),
        Message(role="user", content="Bye"),
    ]
    job = engine.job(chat, GenParams())
    heads = [engine.render(chat[:2]), engine.render(chat[:4])]
    assert job.cuts == tuple(len(h) for h in heads)
    assert all(job.prompt.startswith(h) for h in heads)
    # A template whose partial renders are not prefixes of the whole (here: a footer
    # counting the messages) gives no cuts: every prompt is then prefilled in one chunk.
    assert isinstance(engine.chat_template, str)
    footer = engine.chat_template + "{{ messages | length }}"
    monkeypatch.setattr(engine, "chat_template", footer)
    assert engine.job(chat, GenParams()).cuts == ()


def society(backends: dict[str, Any], assign: Sequence[str]) -> dict[str, Any]:
    """3 agents x (initial + 2 debate rounds) x 2 questions, max_tokens 32, cache off."""
    return {
        "name": "hf-society",
        "seed": 3,
        "task": {"name": "arithmetic", "limit": 2},
        "backends": backends,
        "agents": [
            {"name": name, "trait": trait, "backend": backend}
            for name, trait, backend in zip(
                ("ada", "bo", "cy"),
                ("overconfident", "easy-going", "easy-going"),
                assign,
                strict=True,
            )
        ],
        "protocol": {"strategy": ["debate", "debate"]},
        "generation": {"max_tokens": 32},
        "cache": {"enabled": False},
    }


@needs_hf
def test_society_runs_end_to_end_and_batching_changes_no_reply(
    provider: HFProvider, tmp_path: Path
) -> None:
    from societies.config import parse_config
    from societies.engine.experiment import run_experiment
    from societies.transcript import read_transcript

    smol = {"kind": "hf", "device": "cpu", "dtype": "bfloat16", "threads": THREADS}
    batched = parse_config(society({"smol": smol}, ["smol"] * 3))
    result = run_experiment(batched, tmp_path / "batched")
    assert result.status == "complete" and result.turns == 18 and not result.errors
    usage = result.usage["smol"]
    assert usage["calls"] == 18 and usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    first = read_transcript(result.transcript)
    assert first.header.components["backends"]["smol"]["dtype"] == "bfloat16"

    # The same society with its agents split over two models loaded side by side, one
    # strictly sequential (max_batch 1) and keeping no prompt states: every reply must
    # be the same.
    split = parse_config(
        society(
            {
                "seq": {**smol, "max_batch": 1, "prefix_cache_mb": 0},
                "pair": {**smol, "max_batch": 2},
            },
            ["seq", "pair", "pair"],
        )
    )
    second = read_transcript(run_experiment(split, tmp_path / "split").transcript)

    def replies(t: Any) -> list[tuple[int, str, int, str, int]]:
        return sorted(
            (e.episode, e.agent, e.round, e.reply, e.usage.completion_tokens) for e in t.turns
        )

    assert replies(first) == replies(second)
    assert {e.backend for e in second.turns} == {"seq", "pair"}
    assert all(not e.cached and e.finish_reason in ("stop", "length") for e in second.turns)


def test_the_demo_preset_is_the_llamacpp_demo_on_hf() -> None:
    from societies.config import load_config
    from societies.config.presets import PRESETS_DIR

    on_hf = load_config(PRESETS_DIR / "demo.yaml")
    on_llama = load_config(PRESETS_DIR / "demo-llamacpp.yaml")
    spec = on_hf.backends["local"]
    assert isinstance(spec, HFSpec) and spec.model == "smollm2-135m-instruct"
    assert spec.device == "auto" and spec.dtype == "auto"
    # The same society; only the backend and the name (so the default run folders differ).
    assert on_llama.name != on_hf.name
    same = on_hf.model_copy(update={"backends": on_llama.backends, "name": on_llama.name})
    assert same == on_llama


@needs_hf
def test_greedy_reruns_are_byte_identical_and_a_cached_rerun_loads_no_model(
    provider: HFProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from societies.config import parse_config
    from societies.engine.experiment import run_experiment
    from societies.transcript import read_transcript, strip_volatile

    smol = {"kind": "hf", "device": "cpu", "dtype": "bfloat16", "threads": THREADS}
    data = {**society({"smol": smol}, ["smol"] * 3), "cache": {"path": str(tmp_path / "c.db")}}

    def run(name: str, cache: Any) -> list[str]:
        result = run_experiment(parse_config(data), tmp_path / name, cache=cache)
        assert result.status == "complete" and not result.errors
        return (tmp_path / name / "transcript.jsonl").read_text(encoding="utf-8").splitlines()

    def canonical(lines: list[str]) -> list[str]:
        # Re-serialised in the order the fields were written, so key order counts too.
        return [json.dumps(strip_volatile(json.loads(line))) for line in lines]

    first = run("first", "on")  # generates every reply and fills the cache
    again = run("again", "refresh")  # generates every reply again, ignoring the cache
    assert canonical(again) == canonical(first)
    assert len(first) == 1 + 18 + 1  # header, turns, end

    async def no_start(self: HFProvider) -> None:
        raise AssertionError("the model must not be loaded when every reply is cached")

    monkeypatch.setattr(HFProvider, "start", no_start)
    cached = run("cached", "on")
    assert canonical(cached) == canonical(first)
    turns = read_transcript(tmp_path / "cached" / "transcript.jsonl").turns
    assert len(turns) == 18 and all(t.cached for t in turns)
    assert not any(t.cached for t in read_transcript(tmp_path / "again" / "transcript.jsonl").turns)
