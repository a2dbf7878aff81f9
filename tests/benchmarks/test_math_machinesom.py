"""The MachineSoM study's MATH rule: cases worked out by hand from the study's evaluation code.

Expectations follow ``extract_math`` (last complete ``\\boxed{``, braces counted),
``math_pattern`` (removed in order) and ``check_math_answer`` + ``str.lower``
equality, read in zjunlp/MachineSoM ``src/evaluate.py``; none is an output of ours.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.base import Question
from benchmarks.math import MathSpec, MathTask
from benchmarks.math_machinesom import (
    boxed_contents,
    extract_math_machinesom,
    is_correct_machinesom,
    score_form,
)
from protocols.decision import machinesom

DATA = Path(__file__).resolve().parents[2] / "../shared/data"
STUDY_FILE = DATA / "machinesom/math.jsonl"

# reply -> the answer the study reads (after its math_pattern removal), or None
EXTRACT: list[tuple[str, str | None]] = [
    ("So the result is $\\boxed{5}$.", "5"),
    ("First \\boxed{3}, on reflection \\boxed{4}.", "4"),  # the last box
    ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),  # nested braces kept
    ("\\boxed{(1, {2})}", "(1, {2})"),
    ("\\boxed{5", None),  # unclosed: dropped
    ("\\boxed{5} and then \\boxed{6", "5"),  # an unclosed last box leaves the earlier one
    ("\\boxed{1 and later \\boxed{2}", None),  # the unclosed first box swallows the second
    ("\\boxed{\\boxed{7}}", "\\boxed{7}"),  # an inner box stays inside the outer one
    ("\\boxed{}", ""),  # empty is an answer, not a missing one
    ("\\boxed{5}}", "5"),  # a stray closing brace after the box is ignored
    ("\\boxed{ 5 }", " 5 "),  # spaces kept
    ("\\fbox{5}", None),  # only \boxed{ counts
    ("\\boxed {5}", None),  # not with a space before the brace
    ("\\boxed5", None),
    ("The answer is 5.", None),  # no fallback to stated answers or numbers
    ("\\boxed{x = 3}", "3"),
    ("\\boxed{90^\\circ}", "90"),
    ("\\boxed{90°}", "90"),
    ("\\boxed{12 \\, \\text{cm}}", "12"),  # " \\, \\text{cm}" is tried before "\\, \\text{cm}"
    ("\\boxed{12\\, \\text{cm}}", "12"),
    ("\\boxed{12\\text{ cm}}", "12"),
    ("\\boxed{45\\text{ degrees}}", "45"),
    ("\\boxed{2x = 4}", "24"),  # "x = " goes from inside a word too
    ("\\boxed{ab = 3}", "a3"),  # and "b = "
    ("\\boxed{m+n = 17}", "17"),
    ("\\boxed{x + y + z = 6}", "6"),  # not caught by "x = " (no "x = " in it)
    ("\\boxed{r = 5}", "5"),
    ("\\boxed{{\\text{Degree of }} g(x) = 4}", "4"),  # the one pattern with braces
    ("\\boxed{\\text{Degree of } g(x) = 4}", "\\text{Degree of } g(x) = 4"),  # not without them
    ("\\boxed{12 \\text{ positive integers, } 12 \\text{ negative integers}}", "12"),
]


@pytest.mark.parametrize(("reply", "answer"), EXTRACT)
def test_extraction(reply: str, answer: str | None) -> None:
    got = extract_math_machinesom(reply)
    assert got.answer == answer
    assert got.method == ("none" if answer is None else "machinesom-boxed")


def test_every_complete_box_in_order() -> None:
    assert boxed_contents("\\boxed{a} x \\boxed{b{c}} \\boxed{d") == ["a", "b{c}"]
    assert boxed_contents("no box") == []


# stored answer, gold -> correct under check_math_answer + lower-case equality
SCORE: list[tuple[str | None, str, bool]] = [
    ("{2^3 \\times 3^2 \\times 5 \\times 7}", "2520", True),  # the study's special case
    ("2^3 \\times 3^2 \\times 5 \\times 7", "2520", False),  # only with the outer braces
    ("978,121", "978121", True),
    ("99,940,009", "99940009", True),
    ("979,121", "979121", True),
    ("{978,121}", "978121", True),  # braces go before the comma check
    ("1,000", "1000", False),  # no other comma number
    ("{12}", "12", True),  # every brace is removed
    ("\\frac{1}{2}", "\\frac12", True),
    ("\\frac{1}{2}", "\\frac{1}{2}", False),  # the gold keeps its braces
    ("0.5", "\\frac12", False),  # no numeric equivalence
    ("1/2", "0.5", False),
    ("ABC", "abc", True),  # case-insensitive
    ("\\text{(B)}", "\\text{(b)}", False),  # braces removed on one side only
    (" 5", "5", False),  # spaces count
    ("x = 5", "5", True),  # the patterns are removed again when scoring
    ("5^\\circ", "5", True),
    ("", "5", False),
    (None, "5", False),
]


@pytest.mark.parametrize(("answer", "gold", "correct"), SCORE)
def test_scoring(answer: str | None, gold: str, correct: bool) -> None:
    assert is_correct_machinesom(answer, gold) is correct


def test_score_form_removes_braces_and_only_the_three_commas() -> None:
    assert score_form("{1}{2}") == "12"
    assert score_form("978,121") == "978121"
    assert score_form("978,122") == "978,122"


def test_the_tables_hold_enough_cases() -> None:
    assert len(EXTRACT) + len(SCORE) >= 30


# the society's answer (brace unification, then the vote), then scoring
@pytest.mark.parametrize(
    ("answers", "decision", "correct"),
    [
        (["12", "{12}", "24"], "{12}", True),  # "12" joins "{12}": 2 of 3
        (["12", None, "{12}"], "{12}", True),
        (["12", "13", "{14}"], None, False),
        (["x = 3", "3", "4"], None, False),  # the vote compares answers as given
    ],
)
def test_vote_then_score(answers: list[str | None], decision: str | None, correct: bool) -> None:
    assert machinesom(answers) == decision
    assert is_correct_machinesom(decision, "12") is correct


def _task(path: Path, extraction: str) -> MathTask:
    return MathSpec.model_validate({"name": "math", "path": path, "extraction": extraction}).build()


def test_the_task_scores_by_the_rule_against_the_answer_as_written(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    rows = [
        {"problem": "Half of one?", "answer": "\\dfrac{1}{2}"},
        {"problem": "2+2?", "answer": "4"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    study, ours = _task(path, "machinesom"), _task(path, "default")
    half, four = study.questions()
    assert half.gold == "\\dfrac{1}{2}" and ours.questions()[0].gold == "0.5"
    reply = "It is $\\boxed{\\dfrac{1}{2}}$."
    assert study.extract(reply, half).answer == "\\dfrac{1}{2}"
    assert not study.is_correct("\\dfrac{1}{2}", half)  # the study's quirk: gold braces stay
    assert ours.is_correct(ours.extract(reply, half).answer, ours.questions()[0])
    assert study.extract("The answer is 4.", four).answer is None  # ours reads it
    assert ours.extract("The answer is 4.", four).answer == "4"
    assert study.is_correct("{4}", four) and not study.is_correct("4.0", four)
    assert ours.is_correct("4.0", four)
    assert study.extract("\\fbox{4}", four).answer is None


def test_extraction_is_validated() -> None:
    with pytest.raises(ValueError, match="unknown math extractor 'study'"):
        MathSpec.model_validate({"name": "math", "extraction": "study"})


@pytest.mark.skipif(not STUDY_FILE.is_file(), reason=f"shared data not found at {DATA.resolve()}")
def test_rendered_answers_read_back_on_the_study_items() -> None:
    task = _task(STUDY_FILE, "machinesom")
    questions = task.questions()
    assert len(questions) == 50
    for q in questions:
        got = task.extract(task.render_answer(q.gold), q)
        assert task.is_correct(got.answer, q), q.id
        assert not any(task.is_correct(w, q) for w in task.wrong_answers(q)), q.id


def test_rendered_answers_read_back_for_latex() -> None:
    task = _task(Path("unused.jsonl"), "machinesom")
    for gold in ["\\frac12", "(1,2)", "x^2+1", "-4"]:
        q = Question(id="q", prompt="?", gold=gold)
        assert task.is_correct(task.extract(task.render_answer(gold), q).answer, q), gold
