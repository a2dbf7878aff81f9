"""Decision rules, with MachineSoM's tie rule and the study's own vote (hand-computed cases)."""

from __future__ import annotations

import pytest

from benchmarks import canonical_number
from protocols.decision import (
    DECISION_RULES,
    du2023,
    machinesom,
    majority,
    plurality,
    unify_braces,
)


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


# MachineSoM's judge_answer: check_include's brace unification, then _most_frequence_answer.
@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["A", "A", "B"], "A"),
        (["A", "B", "C"], None),  # all different
        (["A", "A", None], "A"),  # 2 of 3
        ([None, None, "A"], None),  # no answer is the most frequent value
        ([None, None, None], None),
        (["A", None, None, "A"], None),  # a tie between A and no answer
        (["A", "A", "B", "B"], None),  # a tie for the top
        (["A", "A", "B", "C"], "A"),  # unique top, given twice (majority: None)
        (["A", "A", None, None, None], None),
        (["A", "A", "A", None, None], "A"),
        (["A", "A"], "A"),
        (["A", None], None),
        (["A"], None),  # one vote is never enough
        ([], None),
        (["A", "a", "B"], None),  # compared as given
        (["12", "{12}", "24"], "{12}"),  # "12" joins "{12}"
        (["{12}", "12", "24"], "{12}"),
        (["12", None, "{12}"], "{12}"),  # majority: None
        (["12", "{13}", "12"], "12"),
        (["", "{}", "3"], "{}"),  # the empty answer joins "{}"
        (["{12}", "12", "{{12}}"], "{{12}}"),  # "12" is left behind: its "{12}" moved on
    ],
)
def test_machinesom(answers: list[str | None], expected: str | None) -> None:
    assert machinesom(answers) == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["12", "{12}", "{{12}}"], ["{{12}}", "{{12}}", "{{12}}"]),  # changes carry forward
        (["12", "{{12}}", "{12}"], ["{12}", "{{12}}", "{{12}}"]),  # the study's loop order
        (["{12}", "12", "{{12}}"], ["{{12}}", "12", "{{12}}"]),
        (["5", None, "{5}"], ["{5}", None, "{5}"]),
        (["5", "x5", "{5"], ["5", "x5", "{5"]),  # only one full pair of braces around it
    ],
)
def test_unify_braces(answers: list[str | None], expected: list[str | None]) -> None:
    assert unify_braces(answers) == expected


def test_machinesom_is_registered_and_equals_majority_for_three() -> None:
    assert DECISION_RULES["machinesom"] is machinesom
    values = ["A", "B", None]
    triples = [[a, b, c] for a in values for b in values for c in values]
    assert all(machinesom(t) == majority(t) for t in triples)
