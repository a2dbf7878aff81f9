"""GSM8K (Cobbe et al., 2021): grade-school word problems with numeric answers.

Rows have ``question`` and ``answer``, where ``answer`` is the worked solution ending
in ``#### <number>`` (the number may use thousands separators). Answers are compared
as canonical numbers (``1,000.00`` -> ``1000``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from benchmarks.base import TASKS, Extraction, Question, Task, finish
from benchmarks.boxed import last_boxed
from benchmarks.hub import HubSpec, load_hub
from benchmarks.records import Record, read_records

DEFAULT_HUB = "openai/gsm8k"
INSTRUCTIONS = (
    "Solve the problem step by step. On the last line of your reply, give only the final "
    "number in the form 'Answer: <number>'."
)
_NUM = r"-?\$?\s*\d[\d,]*(?:\.\d+)?|-?\.\d+"
_HASHES = re.compile(r"####\s*(" + _NUM + ")")
_STATED = re.compile(r"answer\s*(?:is|:|=)?\s*:?\s*\**\s*(" + _NUM + ")", re.I)
_NUMBER = re.compile(_NUM)


def canonical_number(text: str) -> str | None:
    """``1,000.50`` -> ``1000.5``; ``$18`` -> ``18``; ``-0`` -> ``0``; None when not a number."""
    cleaned = re.sub(r"[\s,$\\]", "", text).rstrip(".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


@TASKS.register("gsm8k")
class GSM8KSpec(HubSpec):
    """Config of the ``gsm8k`` task (``path``: a JSONL/JSON/Parquet file; else the hub)."""

    name: Literal["gsm8k"] = "gsm8k"

    def build(self) -> GSM8KTask:
        """Make the task."""
        return GSM8KTask(self)


def record_problem(rec: Record, prefix: str) -> Question:
    """One problem from a row with ``question`` and ``answer`` (ending in ``#### N``)."""
    question = rec.text("question")
    solution = rec.text("answer")
    found = _HASHES.findall(solution)
    if not found:
        raise rec.error("field 'answer' has no final '#### <number>' line")
    gold = canonical_number(found[-1])
    if gold is None:
        raise rec.error(f"'#### {found[-1]}' is not a number")
    ident = rec.get("id")
    return Question(
        id=str(ident) if ident is not None else f"{prefix}/{rec.get('index', rec.position)}",
        prompt=question.strip(),
        gold=gold,
        metadata={"solution": solution},
    )


class GSM8KTask(Task):
    """Answers are canonical numbers."""

    name = "gsm8k"

    def __init__(self, spec: GSM8KSpec) -> None:
        self.spec = spec
        self.instructions = spec.instructions or INSTRUCTIONS

    def questions(self) -> list[Question]:
        """Problems from ``path`` or the hub, sampled with ``seed`` down to ``limit``."""
        spec = self.spec
        if spec.path is not None:
            source = str(spec.path)
            items = [record_problem(r, spec.path.stem) for r in read_records(spec.path)]
        else:
            dataset = spec.hub or DEFAULT_HUB
            config = spec.hub_config or ("main" if dataset == DEFAULT_HUB else None)
            source = f"hub {dataset}"
            items = [record_problem(r, dataset) for r in load_hub(dataset, config, spec.split)]
        return finish(items, spec, source)

    def extract(self, reply: str, question: Question) -> Extraction:
        """``#### N``, ``Answer: N``, ``\\boxed{N}``, else the last number in the reply."""
        for method, found in (
            ("hashes", _HASHES.findall(reply)),
            ("answer-is", _STATED.findall(reply)),
            ("boxed", [b for b in [last_boxed(reply)] if b is not None]),
            ("last-number", _NUMBER.findall(reply)),
        ):
            for raw in reversed(found):
                value = canonical_number(raw)
                if value is not None:
                    return Extraction(answer=value, method=method)
        return Extraction(answer=None, method="none")

    def render_answer(self, answer: str) -> str:
        """``Answer: N``."""
        return f"Answer: {answer}"

    def wrong_answers(self, question: Question) -> list[str]:
        """Nearby numbers."""
        gold = Decimal(question.gold)
        out = [canonical_number(str(gold + d)) for d in (-10, -2, -1, 1, 2, 10)]
        out.append(canonical_number(str(gold * 2)))
        return [x for x in dict.fromkeys(out) if x is not None and x != question.gold]
