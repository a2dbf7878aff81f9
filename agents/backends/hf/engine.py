"""The torch side of the ``hf`` backend: load a model and run one batch of requests.

Everything here runs on the batcher's worker thread except :meth:`Engine.render`
(pure Jinja, called on the event loop). torch and transformers are imported
through :func:`~agents.backends.registry.require`, so this module imports
without them.

Decoding is ours, not the model's ``generation_config.json``: the request's
temperature, top_p, max_tokens and stop strings decide, as with the other
backends. Rows of one batch may differ in all of these except ``max_tokens``
(the batcher groups by it, so short requests never wait for long ones):

* greedy rows take the argmax of their own logits, so a greedy reply does not
  depend on what else is in the batch (left padding is masked out);
* sampled rows draw from their own ``torch.Generator`` seeded with the
  request's seed, one draw per step, so a seeded sample does not depend on
  the batch either;
* stop strings and per-row token limits end rows individually.

Each row's prompt (all but its last token) is prefilled on its own, without
padding, and the rows' key/value caches are then stacked, left-padded, for the
batched decoding that starts with the prompts' last tokens. Prefill is
compute-bound on a CPU, so batching it gains nothing, while padding wastes
work (about 1.2x faster batches measured for debate prompts of 530-770 tokens)
and a prompt prefilled alone is computed exactly as when it is alone in a batch.
A prompt is prefilled in chunks that end where the history's assistant turns
begin, and the state at its end is kept, so an agent's next turn only
prefills what is new (see :mod:`agents.backends.hf.prefix`).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.backends.hf import attention as hf_attention
from agents.backends.hf.cache import in_place_cache
from agents.backends.hf.prefix import Layers, PrefixStore, chunk_ends
from agents.backends.registry import require
from agents.errors import BackendConfigError, BackendError
from agents.types import Completion, GenParams, Message, Usage

logger = logging.getLogger("agents.backends.hf")

DTYPES = ("bfloat16", "float16", "float32")


@dataclass(frozen=True)
class GenJob:
    """One request as the worker sees it: the rendered prompt and its parameters.

    ``cuts`` are the character offsets in ``prompt`` where the history's
    assistant turns begin (where an earlier prompt of the same conversation ended).
    """

    prompt: str
    params: GenParams
    cuts: tuple[int, ...] = ()


@dataclass(frozen=True)
class BatchRecord:
    """What one ``generate`` call did (attached to DEBUG log records as ``hf_batch``).

    Benchmarks replay these batches with raw ``model.generate``.
    """

    model: str
    prompts: tuple[str, ...]
    max_new_tokens: int
    prompt_tokens: tuple[int, ...]
    completion_tokens: tuple[int, ...]
    seconds: float
    prefilled_tokens: int = 0
    """Prompt tokens computed by this batch (the rest came from the prefix store)."""
    prefill_seconds: float = 0.0
    """Of ``seconds``, the time spent prefilling the prompts (the rest is decoding)."""


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (avx512_bf16 / amx_bf16 / Arm bf16)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            flags = set(line.partition(":")[2].split())
            return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})
    return False


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; others as given (checked)."""
    torch = require("torch", extra="hf")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BackendConfigError(
            f"device {device!r}: torch sees no CUDA device (torch {torch.__version__}); "
            "use device: cpu, or install a CUDA build of torch"
        )
    return device


def resolve_dtype(dtype: str, device: str) -> str:
    """``auto`` -> ``bfloat16`` where ``device`` computes it natively, else ``float32``."""
    if dtype != "auto":
        return dtype
    if device.startswith("cuda"):
        torch = require("torch", extra="hf")
        index = int(device.partition(":")[2] or 0)
        with torch.cuda.device(index):
            return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    return "bfloat16" if cpu_has_bf16() else "float32"


class _RowStops:
    """Stopping criterion: per-row token limits and stop strings.

    Records, per row, after how many generated tokens it was stopped and why.
    """

    def __init__(self, torch: Any, tokenizer: Any, prompt_len: int, jobs: Sequence[GenJob]) -> None:
        self.torch = torch
        self.tokenizer = tokenizer
        self.prompt_len = prompt_len
        self.limits = [j.params.max_tokens for j in jobs]
        self.stops = [j.params.stop for j in jobs]
        # Enough tokens to hold the longest stop string even if it straddles tokens.
        self.windows = [max((len(s) for s in stops), default=0) + 8 for stops in self.stops]
        self.ended: list[int | None] = [None] * len(jobs)
        self.reasons: list[str] = ["length"] * len(jobs)

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        generated = input_ids.shape[1] - self.prompt_len
        done = [False] * len(self.limits)
        for i, limit in enumerate(self.limits):
            if self.ended[i] is not None:
                done[i] = True
            elif generated >= limit:
                self.ended[i], self.reasons[i], done[i] = generated, "length", True
            elif self.stops[i]:
                start = max(self.prompt_len, input_ids.shape[1] - self.windows[i])
                tail = self.tokenizer.decode(
                    input_ids[i, start:].tolist(), skip_special_tokens=True
                )
                if any(s in tail for s in self.stops[i]):
                    self.ended[i], self.reasons[i], done[i] = generated, "stop", True
        return self.torch.tensor(done, dtype=self.torch.bool, device=input_ids.device)


class _RowSampler:
    """Logits processor that samples each sampled row with its own seeded generator.

    ``generate`` runs in greedy mode; for a sampled row this processor draws the
    token (temperature, then top-p) and leaves only that token unmasked, so the
    argmax picks it. Greedy rows pass through untouched.
    """

    def __init__(self, torch: Any, jobs: Sequence[GenJob], device: str) -> None:
        self.torch = torch
        self.rows: list[tuple[int, float, float, Any]] = []
        for i, job in enumerate(jobs):
            p = job.params
            if p.temperature > 0:
                gen = torch.Generator(device=device)
                if p.seed is None:
                    gen.seed()
                else:
                    gen.manual_seed(p.seed)
                self.rows.append((i, p.temperature, p.top_p, gen))

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        torch = self.torch
        for i, temperature, top_p, gen in self.rows:
            probs = torch.softmax(scores[i].float() / temperature, dim=-1)
            if top_p < 1.0:
                sorted_probs, order = torch.sort(probs, descending=True)
                before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
                sorted_probs[before >= top_p] = 0.0  # the most likely token always stays
                probs = torch.zeros_like(probs).scatter_(0, order, sorted_probs)
            token = torch.multinomial(probs, 1, generator=gen)
            scores[i].fill_(-math.inf)
            scores[i, token] = 0.0
        return scores


class Engine:
    """A loaded model and tokenizer; runs batches on the worker thread.

    Args:
        model: the transformers causal LM (in eval mode, on ``device``).
        tokenizer: its tokenizer.
        device: where the model lives.
        label: how the model is named in errors and logs.
        chat_template: a template overriding the tokenizer's own.
        prefix_bytes: memory for prompt states kept for the next turn (0: none kept).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        device: str,
        label: str,
        chat_template: str | None,
        prefix_bytes: int = 0,
    ) -> None:
        self.torch = require("torch", extra="hf")
        transformers = require("transformers", extra="hf")
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.label = label
        self.chat_template = chat_template or getattr(tokenizer, "chat_template", None)
        if not self.chat_template:
            raise BackendConfigError(
                f"model {label!r} has no chat template: set chat_template in its backend config"
            )
        eos: set[int] = set()
        for source in (model.generation_config.eos_token_id, tokenizer.eos_token_id):
            if isinstance(source, int):
                eos.add(source)
            elif source:
                eos.update(int(t) for t in source)
        if not eos:
            raise BackendConfigError(f"model {label!r} defines no end-of-sequence token")
        self.eos = frozenset(eos)
        pad = tokenizer.pad_token_id
        if pad is None:
            pad = model.generation_config.pad_token_id
        self.pad_id = int(pad if isinstance(pad, int) else min(self.eos))
        self.max_positions: int | None = getattr(
            model.config.get_text_config(), "max_position_embeddings", None
        )
        # Decoding is decided by each request, not by the model's generation_config.json.
        self._config_cls = transformers.GenerationConfig
        model.generation_config = transformers.GenerationConfig(
            bos_token_id=model.generation_config.bos_token_id,
            eos_token_id=sorted(self.eos),
            pad_token_id=self.pad_id,
        )
        self._lists = (transformers.LogitsProcessorList, transformers.StoppingCriteriaList)
        self._linears = [m for m in model.modules() if isinstance(m, self.torch.nn.Linear)]
        self._cache_cls = getattr(transformers, "DynamicCache", None)
        forward = inspect.signature(model.forward).parameters
        keep = [k for k in ("logits_to_keep", "num_logits_to_keep") if k in forward]
        self._prefill_options: dict[str, Any] = {keep[0]: 1} if keep else {}
        # transformers 5 renamed the ``past_key_values`` argument to ``cache``.
        self._cache_arg = "cache" if "cache" in forward else "past_key_values"
        self.prefixes = PrefixStore(prefix_bytes)

    def render(self, messages: Sequence[Message]) -> str:
        """The prompt text for ``messages``, through the chat template.

        Raises:
            BackendError: the template rejected the messages.
        """
        try:
            text = self.tokenizer.apply_chat_template(
                [m.model_dump() for m in messages],
                chat_template=self.chat_template,
                add_generation_prompt=True,
                tokenize=False,
            )
        except Exception as exc:  # jinja raises its own errors (e.g. unsupported roles)
            raise BackendError(f"model {self.label!r}: chat template failed: {exc}") from exc
        return str(text)

    def job(self, messages: Sequence[Message], params: GenParams) -> GenJob:
        """The rendered prompt for ``messages``, with the offsets of its assistant turns.

        Raises:
            BackendError: the template rejected the messages.
        """
        prompt = self.render(messages)
        cuts: list[int] = []
        for at in range(1, len(messages)):
            if messages[at].role != "assistant":
                continue
            with contextlib.suppress(BackendError):  # a template may refuse a partial chat
                head = self.render(messages[:at])
                if 0 < len(head) < len(prompt) and prompt.startswith(head):
                    cuts.append(len(head))
        return GenJob(prompt=prompt, params=params, cuts=tuple(cuts))

    def run_batch(self, jobs: Sequence[GenJob]) -> list[Completion | BaseException]:
        """Generate replies for ``jobs`` (same ``max_tokens``) in one ``generate`` call."""
        results: list[Completion | BaseException | None] = [None] * len(jobs)
        encoded = self.tokenizer([j.prompt for j in jobs], add_special_tokens=False)["input_ids"]
        rows: list[int] = []
        for i, ids in enumerate(encoded):
            if self.max_positions is not None and len(ids) >= self.max_positions:
                results[i] = BackendError(
                    f"model {self.label!r}: the prompt has {len(ids)} tokens, more than the "
                    f"model's context of {self.max_positions}"
                )
            else:
                rows.append(i)
        if rows:
            done = self._generate(
                [jobs[i] for i in rows],
                [encoded[i] for i in rows],
                [self._token_cuts(jobs[i], encoded[i]) for i in rows],
            )
            for i, completion in zip(rows, done, strict=True):
                results[i] = completion
        return [r if r is not None else BackendError("no result") for r in results]

    def _token_cuts(self, job: GenJob, ids: list[int]) -> list[int]:
        """``job.cuts`` as token offsets, keeping those where ``ids`` splits the same way."""
        if not job.cuts:
            return []
        heads = self.tokenizer([job.prompt[:c] for c in job.cuts], add_special_tokens=False)
        return [len(h) for h in heads["input_ids"] if 0 < len(h) < len(ids) and ids[: len(h)] == h]

    def _generate(
        self,
        jobs: Sequence[GenJob],
        encoded: Sequence[list[int]],
        cuts: Sequence[Sequence[int]],
    ) -> list[Completion]:
        torch = self.torch
        width = max(len(ids) for ids in encoded)
        input_ids = torch.full((len(jobs), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(jobs), width), dtype=torch.long)
        for i, ids in enumerate(encoded):  # left padding
            if ids:
                input_ids[i, width - len(ids) :] = torch.tensor(ids, dtype=torch.long)
                attention[i, width - len(ids) :] = 1
        max_new = max(j.params.max_tokens for j in jobs)
        stops: _RowStops | None = None
        if any(j.params.stop or j.params.max_tokens < max_new for j in jobs):
            stops = _RowStops(torch, self.tokenizer, width, jobs)
        sampler = _RowSampler(torch, jobs, self.device)
        processors, criteria = self._lists
        options: dict[str, Any] = {}
        if sampler.rows:
            options["logits_processor"] = processors([sampler])
        if stops is not None:
            options["stopping_criteria"] = criteria([stops])
        config = self._config_cls(
            max_new_tokens=max_new,
            do_sample=False,
            num_beams=1,
            eos_token_id=sorted(self.eos),
            pad_token_id=self.pad_id,
        )
        started = time.perf_counter()
        computed_before = self.prefixes.stats.computed_tokens
        with torch.inference_mode():
            cache = self._prefill_rows(encoded, cuts, width, max_new)
        prefill_seconds = time.perf_counter() - started
        if cache is not None:
            options[self._cache_arg] = cache
        with torch.inference_mode(), self._two_rows(len(jobs) == 1):
            out = self.model.generate(
                input_ids=input_ids.to(self.device),
                attention_mask=attention.to(self.device),
                generation_config=config,
                **options,
            )
        seconds = time.perf_counter() - started
        generated = out[:, width:].tolist()
        completions = [
            self._finish(job, len(ids), row, i, stops)
            for i, (job, ids, row) in enumerate(zip(jobs, encoded, generated, strict=True))
        ]
        if logger.isEnabledFor(logging.DEBUG):
            record = BatchRecord(
                model=self.label,
                prompts=tuple(j.prompt for j in jobs),
                max_new_tokens=max_new,
                prompt_tokens=tuple(c.usage.prompt_tokens for c in completions),
                completion_tokens=tuple(c.usage.completion_tokens for c in completions),
                seconds=seconds,
                prefilled_tokens=self.prefixes.stats.computed_tokens - computed_before,
                prefill_seconds=prefill_seconds,
            )
            logger.debug(
                "%s: batch of %d rows, %d new tokens max, %.3f s",
                self.label, len(jobs), max_new, seconds, extra={"hf_batch": record},
            )  # fmt: skip
        return completions

    def _prefill_rows(
        self,
        encoded: Sequence[list[int]],
        cuts: Sequence[Sequence[int]],
        width: int,
        max_new: int,
    ) -> Any:
        """Each row's prompt but its last token, prefilled alone; the caches stacked.

        Returns a cache of ``width - 1`` positions per row (left-padded with zeros,
        which the attention mask hides) with room for ``max_new`` more, or None
        where this model's cache does not have the expected shape (sliding
        windows, other cache classes, prompts of one token): ``generate`` then
        prefills the padded batch itself.
        """
        if self._cache_cls is None or min(len(ids) for ids in encoded) < 2:
            return None
        rows = []
        for ids, row_cuts in zip(encoded, cuts, strict=True):
            layers = self._prefill_one(ids, row_cuts)
            if layers is None:
                return None
            rows.append(layers)
        buffers = []
        capacity = width - 1 + max_new  # generate appends at most max_new positions
        for at in range(len(rows[0])):
            first = rows[0][at][0]
            keys = first.new_zeros((len(rows), first.shape[1], capacity, first.shape[3]))
            values = self.torch.zeros_like(keys)
            for row, layers in enumerate(rows):
                n = layers[at][0].shape[2]
                keys[row, :, width - 1 - n : width - 1] = layers[at][0][0]
                values[row, :, width - 1 - n : width - 1] = layers[at][1][0]
            buffers.append((keys, values))
        cache = in_place_cache(self.model.config, buffers, width - 1)
        if cache is not None:
            return cache
        try:
            filled = [(k[:, :, : width - 1], v[:, :, : width - 1]) for k, v in buffers]
            return self._cache_cls(filled, config=self.model.config)
        except TypeError:  # an older DynamicCache that cannot be built from tensors
            return None

    def _prefill_one(self, ids: list[int], cuts: Sequence[int]) -> Layers | None:
        """The state after ``ids[:-1]``, computed chunk by chunk from the longest stored one.

        None where the model's cache does not have the expected shape.
        """
        cache_cls = self._cache_cls
        if cache_cls is None:
            return None
        ends = chunk_ends(len(ids), cuts)
        done, layers = self.prefixes.longest(ids, ends)
        stats = self.prefixes.stats
        start = ends[done - 1] if done else 0
        stats.reused_tokens += start
        for k in range(done, len(ends)):
            chunk = ids[start : ends[k]]
            options = dict(self._prefill_options)
            if layers is not None:
                # A fresh cache object per call: the model extends it in place.
                options[self._cache_arg] = cache_cls(layers, config=self.model.config)
            out = self.model(
                input_ids=torch_tensor(self.torch, chunk, self.device), use_cache=True, **options
            )
            # ``cache`` since transformers 5 (``past_key_values`` before).
            cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
            found = getattr(cache, "layers", None)
            if not found or any(
                getattr(layer, "keys", None) is None or layer.keys.shape[2] != ends[k]
                for layer in found
            ):
                return None
            layers = [(layer.keys, layer.values) for layer in found]
            stats.computed_tokens += len(chunk)
            start = ends[k]
        assert layers is not None
        if done < len(ends):
            self.prefixes.put(ids, ends, layers)
        return layers

    @contextlib.contextmanager
    def _two_rows(self, active: bool) -> Iterator[None]:
        """While decoding a lone request, give every linear layer two rows instead of one.

        CPU matmuls take another code path for a single row (M=1) whose rounding
        differs from the path for two or more rows, so a reply generated alone would
        not match the same reply generated in a batch. A zero row is added to each
        one-row input and its output dropped (about 10% more time per lone step).
        """
        if not active:
            yield
            return
        torch = self.torch

        def widen(module: Any, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
            x = args[0]
            if x.numel() != x.shape[-1]:
                module._sociolab_widened = False
                return None
            module._sociolab_widened = True
            return (torch.cat([x, torch.zeros_like(x)], dim=0), *args[1:])

        def narrow(module: Any, args: tuple[Any, ...], out: Any) -> Any:
            return out[:1] if module._sociolab_widened else None

        handles = []
        for layer in self._linears:
            handles.append(layer.register_forward_pre_hook(widen))
            handles.append(layer.register_forward_hook(narrow))
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _finish(
        self, job: GenJob, prompt_tokens: int, row: list[int], i: int, stops: _RowStops | None
    ) -> Completion:
        eos_at = next((k for k, t in enumerate(row) if t in self.eos), None)
        ended = stops.ended[i] if stops is not None else None
        if eos_at is not None and (ended is None or eos_at < ended):
            # The end-of-sequence token was generated, so it counts; it is not text.
            ids, count, reason = row[:eos_at], eos_at + 1, "stop"
        elif ended is not None and stops is not None:
            ids, count, reason = row[:ended], ended, stops.reasons[i]
        else:
            ids, count, reason = row, len(row), "length"
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        cut = min((at for s in job.params.stop if (at := text.find(s)) >= 0), default=-1)
        if cut >= 0:
            text, reason = text[:cut], "stop"
        return Completion(
            text=text,
            finish_reason=reason,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=count),
        )


def torch_tensor(torch: Any, ids: Sequence[int], device: str) -> Any:
    """One row of token ids as a ``(1, len)`` long tensor on ``device``."""
    return torch.tensor([list(ids)], dtype=torch.long, device=device)


def load_engine(
    source: str,
    *,
    revision: str | None,
    dtype: str,
    device: str,
    label: str,
    chat_template: str | None,
    prefix_bytes: int = 0,
) -> Engine:
    """Load a model folder or hub id onto ``device`` in ``dtype`` (blocking).

    Raises:
        BackendConfigError: the model cannot be found or loaded.
    """
    torch = require("torch", extra="hf")
    transformers = require("transformers", extra="hf")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(source, revision=revision)
        model = transformers.AutoModelForCausalLM.from_pretrained(
            source,
            revision=revision,
            dtype=getattr(torch, dtype),
            attn_implementation=hf_attention.register(),
        )
    except (OSError, ValueError) as exc:
        raise BackendConfigError(
            f"model {label!r}: transformers could not load it ({type(exc).__name__}: {exc})"
        ) from exc
    model.to(device)
    model.eval()
    return Engine(
        model,
        tokenizer,
        device=device,
        label=label,
        chat_template=chat_template,
        prefix_bytes=prefix_bytes,
    )
