"""Decision rules, with MachineSoM's tie rule."""

from __future__ import annotations

import pytest

from benchmarks import canonical_number
from protocols.decision import DECISION_RULES, du2023, majority, plurality


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["A", "A", "B"], "A"),
        (["A", "B", "C"], None),  # all different: no answer
        (["A", "B", None], None),
        (["A", "A", None], "A"),
        ([None, None, "A"], None),
        (["A", "A", "B", "B"], None),  # a tie is not more than half
        (["A", "A", "A", "B"], "A"),
        (["A", "A", "B", "C"], None),  # 2 of 4 is not more than half
        ([None, None, None], None),
        ([], None),
    ],
)
def test_majority(answers: list[str | None], expected: str | None) -> None:
    assert majority(answers) == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["A", "A", "B", "C"], "A"),
        (["A", "B", "C"], None),
        (["A", "A", "B", "B", "C"], None),
        (["A", None, None], "A"),
        ([None], None),
    ],
)
def test_plurality(answers: list[str | None], expected: str | None) -> None:
    assert plurality(answers) == expected


def _most_frequent(values: list[float]) -> float:
    """Du et al.'s ``most_frequent`` (math/gen_math.py), as written there."""
    counter = 0
    num = values[0]
    for i in values:
        current_frequency = values.count(i)
        if current_frequency > counter:
            counter = current_frequency
            num = i
    return num


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["5", "5", "7"], "5"),
        (["7", "5", "5"], "5"),  # a plurality beats the first agent
        (["7", "5", "3"], "7"),  # full tie: the first agent's answer
        (["7", "5", "5", "7"], "7"),  # 2-2 tie: the first answer reaching 2 counts
        (["3", "5", "5", "7", "7"], "5"),
        ([None, "5", "7"], "5"),  # None dropped: the first *parsed* answer wins a tie
        ([None, None, "7"], "7"),  # one parsed answer decides, unlike majority
        ([None, "7", None, "5", "5"], "5"),
        ([None, None, None], None),  # no parsed answer: Du skips the item
        ([], None),
        (["nan", "nan", "5", "5"], "5"),  # Du: nan == nan is False, each nan counts once
        (["nan", "nan", "5"], "nan"),  # full tie (all count 1): the first answer
    ],
)
def test_du2023(answers: list[str | None], expected: str | None) -> None:
    assert du2023(answers) == expected
    assert DECISION_RULES["du2023"] is du2023


@pytest.mark.parametrize(
    "values",
    [
        [550.0, 246.0, 550.0],
        [1.0, 2.0, 3.0],
        [2.0, 1.0, 1.0, 2.0],
        [3.0, float("nan"), float("nan"), 3.0],
        [float("nan"), float("nan"), 3.0],
        [-0.0, 0.0, 7.0],
    ],
)
def test_du2023_equals_dus_code_on_floats(values: list[float]) -> None:
    ours = du2023([canonical_number(v) for v in values])
    assert ours == canonical_number(_most_frequent(values))
