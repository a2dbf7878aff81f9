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
import time
from collections.abc import Iterator, Sequence
from typing import Any

from agents.backends.hf.cache import in_place_cache
from agents.backends.hf.decoding import RowSampler, RowStops
from agents.backends.hf.jobs import BatchRecord, GenJob
from agents.backends.hf.prefix import Layers, PrefixStore, chunk_ends
from agents.backends.registry import require
from agents.backends.templates import NEEDS_TEMPLATE_HINT
from agents.errors import BackendConfigError, BackendError
from agents.types import Completion, GenParams, Message, Usage

logger = logging.getLogger("agents.backends.hf")


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
                f"model {label!r} has no chat template (a base model?): {NEEDS_TEMPLATE_HINT}"
            )
        # Like llama.cpp: the BOS token the tokenizer adds to a text (Gemma's does, SmolLM2's
        # does not) starts every prompt, unless the template wrote it already.
        plain_ids = tokenizer("", add_special_tokens=True)["input_ids"]
        wants_bos = bool(plain_ids) and plain_ids[0] == tokenizer.bos_token_id
        self._bos: str = str(tokenizer.bos_token) if wants_bos and tokenizer.bos_token else ""
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
        text = str(text)
        return text if text.startswith(self._bos) else self._bos + text

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
        input_ids, attention = self._left_padded(encoded, width)
        max_new = max(j.params.max_tokens for j in jobs)
        stops: RowStops | None = None
        if any(j.params.stop or j.params.max_tokens < max_new for j in jobs):
            stops = RowStops(torch, self.tokenizer, width, jobs)
        options = self._decoding_options(jobs, stops)
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
            self._log_batch(jobs, completions, max_new, seconds, computed_before, prefill_seconds)
        return completions

    def _left_padded(self, encoded: Sequence[list[int]], width: int) -> tuple[Any, Any]:
        """The batch's token ids and attention mask, each row left-padded to ``width``."""
        torch = self.torch
        input_ids = torch.full((len(encoded), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(encoded), width), dtype=torch.long)
        for i, ids in enumerate(encoded):
            if ids:
                input_ids[i, width - len(ids) :] = torch.tensor(ids, dtype=torch.long)
                attention[i, width - len(ids) :] = 1
        return input_ids, attention

    def _decoding_options(self, jobs: Sequence[GenJob], stops: RowStops | None) -> dict[str, Any]:
        """``generate`` options: the per-row sampler and stopping rule, when a row needs them."""
        sampler = RowSampler(self.torch, jobs, self.device)
        processors, criteria = self._lists
        options: dict[str, Any] = {}
        if sampler.rows:
            options["logits_processor"] = processors([sampler])
        if stops is not None:
            options["stopping_criteria"] = criteria([stops])
        return options

    def _log_batch(
        self,
        jobs: Sequence[GenJob],
        completions: Sequence[Completion],
        max_new: int,
        seconds: float,
        computed_before: int,
        prefill_seconds: float,
    ) -> None:
        """A DEBUG record of the batch (benchmarks replay these with raw ``generate``)."""
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
        self, job: GenJob, prompt_tokens: int, row: list[int], i: int, stops: RowStops | None
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


__all__ = ["BatchRecord", "Engine", "GenJob", "torch_tensor"]
