"""Behaviour classes of an episode's majority-correctness pattern: MachineSoM's and ours.

A *pattern* has one bit per round, 1 when the society's answer that round is
correct (``0111``); only episodes with every round complete have one. The two
families use different society answers:

- **MachineSoM** (its ``behaviour``/``_behaviour`` code): the society's answer
  is ``_most_frequence_answer`` of the answers (after the study's brace
  unification, which only changes MATH answers), a missing answer counting as
  a value: the single most frequent value if it occurs at least twice, else
  none (all different, or a tie for the top). It is correct only when that
  value is a real answer scored correct. Its classes, which overlap, are the
  study's pattern lists for four rounds (round 0 and three more):
  ``corrected`` 0001 0011 0111; ``changed while right`` 1000 1100 1110;
  ``wavered`` 1010 1001 0110 0101; ``starts right`` 1***; ``ends right`` ***1.
  The study leaves 0000, 0010, 0100, 1011, 1101 and 1111 out of the first
  three. On patterns of another length only ``starts right`` and ``ends
  right`` are defined; the other three are None.
- **sociolab** (ours): the society's answer is the run's decision rule, and
  every pattern is in exactly one class: ``stayed right`` (all 1),
  ``stayed wrong`` (all 0), ``corrected once`` (one change, 0 to 1),
  ``changed once while right`` (one change, 1 to 0), ``changed twice or more``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from protocols.decision import machinesom
from societies.analysis.metrics.episodes import EpisodeView

MACHINESOM_PATTERNS: dict[str, tuple[str, ...]] = {
    "corrected": ("0111", "0011", "0001"),
    "changed while right": ("1000", "1100", "1110"),
    "wavered": ("1010", "1001", "0110", "0101"),
}
"""MachineSoM's pattern lists (four rounds)."""

MACHINESOM_CLASSES = (*MACHINESOM_PATTERNS, "starts right", "ends right")
"""MachineSoM's classes, in the study's order."""

SOCIOLAB_CLASSES = (
    "corrected once",
    "changed once while right",
    "changed twice or more",
    "stayed right",
    "stayed wrong",
)
"""Our classes: one per pattern, by the number of changes."""


def machinesom_answer(answers: Sequence[str | None]) -> str | None:
    """MachineSoM's society answer: the decision rule :func:`protocols.decision.machinesom`.

    The study's brace unification (``12`` joins ``{12}``), then ``_most_frequence_answer``:
    the unique top value if given twice, else None. A missing answer is a value
    here, so two missing answers out of three make the society's answer None.
    """
    return machinesom(answers)


def machinesom_pattern(e: EpisodeView) -> str | None:
    """The episode's pattern under MachineSoM's society answer, or None when not finished."""
    if not e.finished:
        return None
    bits = []
    for r in range(len(e.patterns)):
        turns = [e.turns[(r, a)] for a in e.agents]
        answer = machinesom_answer([t.answer for t in turns])
        ok = answer is not None and any(t.correct and t.answer == answer for t in turns)
        bits.append("1" if ok else "0")
    return "".join(bits)


def sociolab_pattern(e: EpisodeView) -> str | None:
    """The episode's pattern under the run's decision rule, or None when not finished."""
    if not e.finished:
        return None
    return "".join("1" if ok else "0" for ok in e.decision_correct)


def machinesom_classes(bits: str) -> list[str]:
    """Every MachineSoM class a pattern is in (possibly none)."""
    out = [name for name, pats in MACHINESOM_PATTERNS.items() if bits in pats]
    if bits.startswith("1"):
        out.append("starts right")
    if bits.endswith("1"):
        out.append("ends right")
    return out


def sociolab_class(bits: str) -> str:
    """Our one class of a pattern (see the module docstring)."""
    changes = sum(a != b for a, b in pairwise(bits))
    if changes == 0:
        return "stayed right" if bits.startswith("1") else "stayed wrong"
    if changes == 1:
        return "corrected once" if bits.startswith("0") else "changed once while right"
    return "changed twice or more"


@dataclass(frozen=True)
class Behaviour:
    """Patterns and classes of the finished episodes, both families.

    Attributes:
        finished: episodes with every round complete.
        machinesom_patterns: pattern -> episodes, MachineSoM's society answer.
        machinesom_classes: class -> episodes (None where undefined for the length).
        sociolab_patterns: pattern -> episodes, the run's decision rule.
        sociolab_classes: class -> episodes.
    """

    finished: int
    machinesom_patterns: dict[str, int]
    machinesom_classes: dict[str, int | None]
    sociolab_patterns: dict[str, int]
    sociolab_classes: dict[str, int]


def _ranked(c: Counter[str]) -> dict[str, int]:
    return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def behaviour(episodes: Sequence[EpisodeView]) -> Behaviour:
    """Patterns and classes of ``episodes`` (unfinished ones are left out)."""
    study: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for e in episodes:
        s, o = machinesom_pattern(e), sociolab_pattern(e)
        if s is not None and o is not None:
            study[s] += 1
            ours[o] += 1
    study_classes: dict[str, int | None] = dict.fromkeys(MACHINESOM_CLASSES, 0)
    for bits, n in study.items():
        for name in machinesom_classes(bits):
            study_classes[name] = (study_classes[name] or 0) + n
    if any(len(bits) != 4 for bits in study):
        study_classes.update(dict.fromkeys(MACHINESOM_PATTERNS))
    our_classes = dict.fromkeys(SOCIOLAB_CLASSES, 0)
    for bits, n in ours.items():
        our_classes[sociolab_class(bits)] += n
    return Behaviour(sum(study.values()), _ranked(study), study_classes, _ranked(ours), our_classes)


__all__ = [
    "MACHINESOM_CLASSES",
    "MACHINESOM_PATTERNS",
    "SOCIOLAB_CLASSES",
    "Behaviour",
    "behaviour",
    "machinesom_answer",
    "machinesom_classes",
    "machinesom_pattern",
    "sociolab_class",
    "sociolab_pattern",
]
