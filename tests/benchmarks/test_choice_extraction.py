"""Multiple-choice extraction: a table of realistic replies, and the MachineSoM rule."""

from __future__ import annotations

import pytest

from benchmarks.choice import extract_choice
from benchmarks.choice_machinesom import extract_choice_machinesom

BIO = ("Viruses", "Bacteria", "Eukaryotes", "Archaea")
GEN = ("Cystic fibrosis", "Hemophilia", "Turner syndrome", "Tay-Sachs disease")
NUM = ("1", "2", "12", "24")
SEL = (
    "directional selection.",
    "stabilizing selection.",
    "sexual selection.",
    "disruptive selection.",
)
TEN = tuple(f"option {i}" for i in range(10))

# (reply, choices, expected answer, expected method)
TABLE: list[tuple[str, tuple[str, ...], str | None, str]] = [
    ("The answer is (B).", BIO, "B", "answer-is"),
    ("Answer: C", BIO, "C", "answer-is"),
    ("ANSWER: D", BIO, "D", "answer-is"),
    ("**B**", BIO, "B", "bold"),
    ("B) Bacteria", BIO, "B", "first-line"),
    ("(C)", BIO, "C", "first-line"),
    (
        "Bacteria lack a nucleus, so B) is out; D) Archaea too. That leaves A) Viruses.",
        BIO,
        "A",
        "letter-paren",
    ),
    ("A", BIO, "A", "first-line"),
    ("A.", BIO, "A", "first-line"),
    ("C. Eukaryotes\n\nEukaryotic cells have a nucleus.", BIO, "C", "first-line"),
    ("Final answer: (A)", BIO, "A", "answer-is"),
    ("The correct answer is **C**.", GEN, "C", "answer-is"),
    ("Answer: **B**", GEN, "B", "answer-is"),
    ("Answer (D)", GEN, "D", "answer-is"),
    ("The answer is: **C. Turner syndrome**", GEN, "C", "answer-is"),
    ("Answer: D) Tay-Sachs disease", GEN, "D", "answer-is"),
    ("The answer is $\\text{(B)}$", GEN, "B", "answer-is"),
    ("So the final answer is $\\boxed{C}$.", GEN, "C", "boxed"),
    ("\\boxed{(A)}", GEN, "A", "boxed"),
    ("I think the answer is b.", GEN, None, "none"),  # lower-case b outside brackets: a word
    ("The answer is (b).", GEN, "B", "answer-is"),
    ("The correct option is D.", GEN, "D", "answer-is"),
    ("I'd go with B.", GEN, "B", "answer-is"),
    ("I would choose (C) here.", GEN, "C", "answer-is"),
    ("C is the correct answer.", GEN, "C", "answer-is"),
    ("Option B is correct.", GEN, "B", "answer-is"),
    # two letters mentioned
    ("(A) is tempting, but the answer is (C).", GEN, "C", "answer-is"),
    ("The answer is A. Wait, no: the answer is D.", GEN, "D", "answer-is"),
    ("A is incorrect because it is recessive; B is correct.", GEN, "B", "answer-is"),
    ("(B) and (D) are both plausible, but (D) fits best.", GEN, "D", "parenthesised"),
    ("The answer is B or C, I cannot decide.", GEN, None, "ambiguous"),
    ("Answer: (C) Turner syndrome, not (B) Hemophilia.", GEN, "C", "answer-is"),
    # the letter inside a sentence
    ("A woman with a single X has Turner syndrome, so the answer is C.", GEN, "C", "answer-is"),
    ("A careful look shows it must be (C).", GEN, "C", "parenthesised"),
    # option text only: after a statement (option-text), or merely mentioned (option-mention)
    ("Turner syndrome", GEN, "C", "option-mention"),
    ("The answer is Turner syndrome.", GEN, "C", "option-text"),
    ("Answer: I think it is Turner syndrome.", GEN, "C", "option-text"),
    ("The question asks which answer is correct. Only (C) fits.", GEN, "C", "parenthesised"),
    (
        "This is directional selection, since the tallest individuals survive.",
        SEL,
        "A",
        "option-mention",
    ),
    ("The result is 12.", NUM, "C", "option-mention"),  # "2" inside "12" does not count
    ("The answer is 24 because 2 times 12 is 24.", NUM, "D", "option-text"),
    ("Viruses are surrounded by a protein coat called a capsid.", BIO, "A", "option-mention"),
    ("It could be hemophilia or turner syndrome.", GEN, None, "ambiguous"),
    # a restated list of options is not an answer
    ("(A) Viruses (B) Bacteria (C) Eukaryotes (D) Archaea", BIO, None, "ambiguous"),
    # no answer
    ("I am not sure.", BIO, None, "none"),
    ("I cannot determine the answer from the information given.", BIO, None, "none"),
    ("", BIO, None, "none"),
    # letters outside the options are ignored
    ("The answer is (E).", BIO, None, "none"),
    ("Answer: (E), or if that is not allowed, (B).", BIO, "B", "parenthesised"),
    # ten options: "I" is a valid letter, but not the pronoun
    ("Answer: I think it is (J).", TEN, "J", "parenthesised"),
    ("Answer: I", TEN, "I", "answer-is"),
    ("### Answer\n**(C) Eukaryotes**", BIO, "C", "answer-is"),
    ("**Reasoning**: capsids are viral.\n\n**A. Viruses**", BIO, "A", "bold"),
]


@pytest.mark.parametrize(("reply", "choices", "answer", "method"), TABLE)
def test_choice_table(
    reply: str, choices: tuple[str, ...], answer: str | None, method: str
) -> None:
    got = extract_choice(reply, choices)
    assert (got.answer, got.method) == (answer, method)


def test_table_is_large_enough() -> None:
    assert len(TABLE) >= 40


def test_choices_none_means_four_options() -> None:
    assert extract_choice("The answer is (D).", None).answer == "D"
    assert extract_choice("The answer is (E).", None).answer is None


# The MachineSoM rule: the last (X) wins, but a matching option text overrides it.
MACHINESOM: list[tuple[str, tuple[str, ...], str | None, str]] = [
    ("The answer is (B).", BIO, "B", "machinesom-paren"),
    ("(A) is wrong, (C) is right.", BIO, "C", "machinesom-paren"),
    ("B) is my pick", BIO, "B", "machinesom-paren"),
    ("The answer is (B), Bacteria.", GEN, "B", "machinesom-paren"),
    ("The answer is (B) but Turner syndrome is likely.", GEN, "C", "machinesom-option-text"),
    ("Hemophilia ... no, Turner syndrome.", GEN, "C", "machinesom-option-text"),
    ("Turner syndrome, not hemophilia.", GEN, "B", "machinesom-option-text"),  # furthest wins
    ("(C) or (E)", BIO, "C", "machinesom-paren"),
    ("see (because) above", BIO, "BECAUSE", "machinesom-paren"),  # the study's string comparison
    ("Combined Answer: (A)", BIO, None, "machinesom-combined"),
    ("nothing here", BIO, None, "none"),
]


@pytest.mark.parametrize(("reply", "choices", "answer", "method"), MACHINESOM)
def test_machinesom_rule(
    reply: str, choices: tuple[str, ...], answer: str | None, method: str
) -> None:
    got = extract_choice_machinesom(reply, choices)
    assert (got.answer, got.method) == (answer, method)


def test_default_and_machinesom_differ_where_the_paper_did() -> None:
    reply = "The answer is (B) but Turner syndrome is likely."
    assert extract_choice(reply, GEN).answer == "B"
    assert extract_choice_machinesom(reply, GEN).answer == "C"


# More of the study's parse_answer for mmlu, worked out by hand (options as in CELL).
CELL = ("cell", "cell wall", "Nucleus", "ribosome")
STUDY_MMLU: list[tuple[str, str | None]] = [
    ("COMBINED ANSWER: (A)", None),  # checked case-insensitively
    ("(b)", "B"),  # upper-cased
    ("a) first", "A"),
    ("(B) then (E)", "B"),  # E is past D: skipped, the scan goes on backwards
    ("(Ab)", "AB"),  # "AB" sorts between "A" and "D"
    ("(D1) or 1)", None),  # "D1" sorts after "D", "1" before "A"
    ("the cell wall", "A"),  # "cell" and "cell wall" start at the same place: the first wins
    ("the NUCLEUS, not the (A)", "C"),  # an option text overrides the letter
    ("ribosome ... cell", "A"),  # the option found furthest in wins
]


@pytest.mark.parametrize(("reply", "answer"), STUDY_MMLU)
def test_machinesom_rule_more_study_cases(reply: str, answer: str | None) -> None:
    assert extract_choice_machinesom(reply, CELL).answer == answer
