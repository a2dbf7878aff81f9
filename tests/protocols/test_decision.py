"""Decision rules, with MachineSoM's tie rule."""

from __future__ import annotations

import pytest

from protocols.decision import majority, plurality


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
