"""Chess move validity (BIG-bench ``chess_state_tracking``): name a square the piece can move to."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import chess
from pydantic import AfterValidator, Field, model_validator

from benchmarks.base import TASKS, Extraction, Extractor, Question, Task, TaskSpec, finish
from benchmarks.chess_data import ChessItem, generate_items, load_chess_path
from sociolab.registry import Registry

GENERATED_DEFAULT = 50  # items generated when no path and no limit are given
INSTRUCTIONS = (
    "Explain your choice in a sentence or two, then end your reply with one square in the "
    "form 'Final answer: <square>', for example 'Final answer: e4'."
)
_STATEMENT = re.compile(r"(?:final\s+answer|answer)\s*(?:is|:|-)?", re.I)
_SQUARE = re.compile(r"(?<![a-z0-9])([a-h][1-8])(?:([a-h][1-8])[qrbn]?)?(?![a-z0-9])")
_ANY_SQUARE = re.compile(r"[a-h][1-8]")


@TASKS.register("chess")
class ChessSpec(TaskSpec):
    """Config of the ``chess`` task.

    ``path``: a BIG-bench task JSON (``examples``: ``input``, ``target``) or a JSONL file
    (``input`` with ``valid_squares`` or ``target``, e.g. the MachineSoM sample). Without
    ``path``, ``limit`` items (default 50) are generated from ``seed`` with python-chess.
    """

    name: Literal["chess"] = "chess"
    min_plies: int = Field(2, ge=0, le=400, description="generator: fewest moves before the item")
    max_plies: int = Field(50, ge=0, le=400, description="generator: most moves before the item")
    extraction: Annotated[str, AfterValidator(SQUARE_EXTRACTORS.check)] = Field(
        "default", description="a SQUARE_EXTRACTORS name: default (ours), machinesom (the study's)"
    )

    @model_validator(mode="after")
    def _plies(self) -> ChessSpec:
        if self.min_plies > self.max_plies:
            raise ValueError(f"min_plies ({self.min_plies}) exceeds max_plies ({self.max_plies})")
        return self

    def build(self) -> ChessTask:
        """Make the task."""
        return ChessTask(self)


def item_question(item: ChessItem) -> Question:
    """The question for an item; ``gold`` lists every valid square, separated by spaces."""
    moves = " ".join(item.moves) if item.moves else "(no moves yet)"
    prompt = (
        "Here is a chess game in progress, in UCI notation: each move is the square a piece "
        "leaves followed by the square it lands on (e2e4), with a promotion piece appended "
        f"when a pawn promotes (e7e8q).\n\nMoves so far: {moves}\n\nThe next move is made "
        f"by the piece on {item.origin}. Name one square that this piece can legally move to."
    )
    return Question(
        id=item.ident,
        prompt=prompt,
        gold=" ".join(item.targets),
        metadata={"input": item.input, "origin": item.origin, "valid_squares": list(item.targets)},
    )


def extract_square(reply: str, origin: str | None) -> Extraction:
    """The square named in ``reply``: the first after the last "answer" statement, else the last one.

    A UCI move from the origin square (``g1f3``) counts as its destination; squares
    glued into longer tokens are ignored; the origin itself is never the answer.
    """
    text = reply.lower()

    def squares(segment: str) -> list[str]:
        out = []
        for m in _SQUARE.finditer(segment):
            if m.group(2) is None:
                out.append(m.group(1))
            elif m.group(1) == origin:
                out.append(m.group(2))
        return [s for s in out if s != origin]

    statements = list(_STATEMENT.finditer(text))
    if statements:
        line = text[statements[-1].end() :].split("\n", 1)[0]
        found = squares(line)
        if found:
            return Extraction(answer=found[0], method="final-answer")
    found = squares(text)
    if found:
        return Extraction(answer=found[-1], method="last-square")
    return Extraction(answer=None, method="none")


def extract_square_machinesom(reply: str) -> Extraction:
    """The MachineSoM study's rule: the last square after the last "final answer", else the last square."""
    text = reply.lower()
    pos = text.rfind("final answer")
    if pos != -1:
        found = _ANY_SQUARE.findall(text.split("final answer")[-1].strip())
        method = "machinesom-final-answer"
    else:
        found = _ANY_SQUARE.findall(text)
        method = "machinesom-last-square"
    return (
        Extraction(answer=found[-1], method=method)
        if found
        else Extraction(answer=None, method="none")
    )


SQUARE_EXTRACTORS: Registry[Extractor] = Registry("square extractor")
"""The names ``chess``'s ``extraction`` accepts -> how the named square is read."""


@SQUARE_EXTRACTORS.register("default")
def _ours(reply: str, question: Question) -> Extraction:
    origin = question.metadata.get("origin")
    return extract_square(reply, origin if isinstance(origin, str) else None)


@SQUARE_EXTRACTORS.register("machinesom")
def _machinesom(reply: str, question: Question) -> Extraction:
    return extract_square_machinesom(reply)


class ChessTask(Task):
    """Answers are squares (``e4``); any square in the gold list is correct."""

    name = "chess"

    def __init__(self, spec: ChessSpec) -> None:
        self.spec = spec
        self.instructions = spec.instructions or INSTRUCTIONS
        self.generated = spec.path is None

    def questions(self) -> list[Question]:
        """Items from ``path`` (sampled with ``seed`` down to ``limit``), or generated ones."""
        spec = self.spec
        if spec.path is None:
            n = spec.limit or GENERATED_DEFAULT
            items = generate_items(n, spec.seed, spec.min_plies, spec.max_plies)
            return finish([item_question(i) for i in items], spec, "generated chess items")
        items = load_chess_path(spec.path)
        return finish([item_question(i) for i in items], spec, str(spec.path))

    def extract(self, reply: str, question: Question) -> Extraction:
        """The named square, by the configured rule."""
        return SQUARE_EXTRACTORS[self.spec.extraction](reply, question)

    def is_correct(self, answer: str | None, question: Question) -> bool:
        """Whether the square is one of the valid destinations."""
        return answer is not None and answer in question.gold.split()

    def render_answer(self, answer: str) -> str:
        """``Final answer: e4``."""
        return f"Final answer: {answer}"

    def wrong_answers(self, question: Question) -> list[str]:
        """The six nearest squares (to the origin) that are not valid destinations."""
        origin = chess.parse_square(str(question.metadata.get("origin", "a1")))
        valid = set(question.gold.split())
        others = [s for s in chess.SQUARES if s != origin and chess.square_name(s) not in valid]
        others.sort(key=lambda s: (chess.square_distance(s, origin), s))
        return [chess.square_name(s) for s in others[:6]]
