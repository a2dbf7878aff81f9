"""Du et al. (2023)'s arithmetic items and parser, against numpy and hand-computed cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from benchmarks import ArithmeticSpec, Question, canonical_number, parse_du2023
from societies.config import parse_config
from societies.errors import ConfigError

Q = Question(id="q", prompt="?", gold="550")


@pytest.fixture
def global_numpy_state() -> Iterator[None]:
    # Du's loop seeds numpy's global generator: restore it for the other tests
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def _du_loop() -> list[tuple[str, int]]:
    """Du's ``math/gen_math.py`` item loop, as written there (global seeding)."""
    np.random.seed(0)
    out = []
    for _ in range(100):
        a, b, c, d, e, f = np.random.randint(0, 30, size=6)
        answer = a + b * c + d - e * f
        text = "What is the result of {}+{}*{}+{}-{}*{}?".format(a, b, c, d, e, f)  # noqa: UP032
        out.append((text, int(answer)))
    return out


@pytest.mark.usefixtures("global_numpy_state")
def test_all_100_items_equal_dus_loop() -> None:
    questions = ArithmeticSpec(items="du2023").build().questions()
    assert [(q.prompt, int(q.gold)) for q in questions] == _du_loop()
    assert len({q.id for q in questions}) == 100


def test_items_pinned_by_hand() -> None:
    qs = ArithmeticSpec(items="du2023").build().questions()
    # np.random.seed(0); np.random.randint(0, 30, size=6) -> [12 15 21 0 3 27]
    assert qs[0].prompt == "What is the result of 12+15*21+0-3*27?"
    assert qs[0].gold == "246"  # 12 + 315 + 0 - 81
    ops = [q.metadata["operands"] for q in qs]
    assert all(0 <= x <= 29 for row in ops for x in row)
    assert any(29 in row for row in ops) and any(0 in row for row in ops)
    assert all(q.id == f"du2023-{i}" for i, q in enumerate(qs))


def test_limit_takes_the_first_items_in_dus_order() -> None:
    full = ArithmeticSpec(items="du2023").build().questions()
    assert ArithmeticSpec(items="du2023", limit=7).build().questions() == full[:7]
    other = ArithmeticSpec(items="du2023", seed=1).build().questions()
    assert other[0].prompt != full[0].prompt  # task.seed is the numpy seed
    assert ArithmeticSpec().build().questions()[0].prompt != full[0].prompt  # ours differ


def test_du_instruction_is_the_default_under_du_items() -> None:
    task = ArithmeticSpec(items="du2023").build()
    assert task.instructions == "Make sure to state your answer at the end of the response."
    assert ArithmeticSpec().build().instructions.endswith("'Answer: <integer>'.")
    assert ArithmeticSpec(items="du2023", instructions="x").build().instructions == "x"


def _config(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "t",
        "task": {"name": "arithmetic", **task},
        "backends": {"sim": {"kind": "scripted"}},
        "agents": [{"name": "a", "backend": "sim", "count": 3}],
    }


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"items": "du2023", "limit": 101}, "limit: items du2023 has 100 items"),
        ({"items": "du2023", "max_operand": 20}, "draws operands 0..29; remove max_operand"),
        ({"items": "du"}, "c.yaml: task.items:"),
        ({"extraction": "du"}, "c.yaml: task.extraction: unknown arithmetic extractor 'du'"),
    ],
)
def test_config_errors_are_one_line(task: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(_config(task), source="c.yaml")
    lines = [line for line in str(info.value).splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], lines


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("the result of 12+28*19+6 is 550.", 550.0),  # Du's own example: "550." is a float
        ("So the answer is 1,234", 1.234),  # the comma becomes a decimal point
        ("It is 3, 4 or 5", 5.0),
        ("I get -81 in the end", -81.0),  # the last part that float() accepts
        ("The answer is -81", -81.0),
        ("answer: 1e3", 1000.0),
        ("answer: 5.5e2 apples", 550.0),
        ("The answer is\n550", None),  # "is\n550" is one part, and not a float
        ("The answer is \n550", 550.0),  # float() strips the newline of "\n550"
        ("The answer is 550)", None),
        ("(550) is my answer", None),
        ("no number here", None),
        ("", None),
        ("answer: 1_000", 1000.0),
        ("answer: inf", float("inf")),
        ("12 then 13\n", 13.0),
    ],
)
def test_parser_hand_computed(reply: str, expected: float | None) -> None:
    assert parse_du2023(reply) == expected


def test_parser_reads_nan() -> None:
    value = parse_du2023("it is nan")
    assert value is not None and value != value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (550.0, "550"),
        (-0.0, "0"),
        (1.234, "1.234"),
        (-81.0, "-81"),
        (1e20, "100000000000000000000"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
    ],
)
def test_canonical_form(value: float, text: str) -> None:
    assert canonical_number(value) == text


@pytest.mark.parametrize(
    "pair", [("550", "550.0"), ("5.5e2", "550."), ("0", "-0"), ("1e3", "1000")]
)
def test_equal_floats_give_equal_answers(pair: tuple[str, str]) -> None:
    a, b = (canonical_number(float(x)) for x in pair)
    assert a == b
    assert canonical_number(0.1 + 0.2) != canonical_number(0.3)  # as Du's == would say


def test_task_extracts_and_scores_as_du() -> None:
    task = ArithmeticSpec(items="du2023", extraction="du2023").build()
    q = task.questions()[0]
    got = task.extract("Adding it up, the result is 246.", q)
    assert (got.answer, got.method) == ("246", "du2023")
    assert task.is_correct(got.answer, q)
    none = task.extract("The result is\n246", q)
    assert (none.answer, none.method) == (None, "none")
    ours = ArithmeticSpec(items="du2023").build().extract("The result is\n246", q)
    assert ours.answer == "246"  # our default parser reads it; Du's does not
    assert not task.is_correct(task.extract("246.5", q).answer, q)
