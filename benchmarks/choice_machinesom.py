"""The MachineSoM study's multiple-choice rule, reproduced so results compare with the paper.

The rule (Zhang et al., ACL 2024, their evaluation code), quirks included:

- a reply containing ``Combined Answer`` gives no answer;
- every ``(word)`` or ``word)`` is a candidate; scanning from the last, the first
  candidate whose upper-cased text sorts between ``A`` and the last option letter wins
  (a string comparison, so a word such as ``(because)`` counts and gives ``BECAUSE``);
- option texts are searched case-insensitively (plain substring, last occurrence); if
  any is found, the option found furthest into the reply wins and overrides the letter
  (the first option on a tie).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from benchmarks.base import Extraction
from benchmarks.choice import LETTERS

_CANDIDATE = re.compile(r"\((\w+)\)|(\w+)\)")


def extract_choice_machinesom(reply: str, choices: Sequence[str] | None) -> Extraction:
    """The option chosen in ``reply`` under the MachineSoM rule (see the module docstring).

    Args:
        reply: the agent's reply.
        choices: the option texts (4 in the study; their count sets the last valid letter).

    Returns:
        The answer (normally a letter) or None; method ``machinesom-option-text``,
        ``machinesom-paren``, ``machinesom-combined`` (no answer) or ``none``.
    """
    if "combined answer" in reply.lower():
        return Extraction(answer=None, method="machinesom-combined")
    last_letter = LETTERS[(len(choices) if choices else 4) - 1]
    by_letter = None
    for groups in reversed(_CANDIDATE.findall(reply)):
        candidate = (groups[0] or groups[1]).upper()
        if "A" <= candidate <= last_letter:
            by_letter = candidate
            break
    positions = [reply.lower().rfind(c.lower().strip()) for c in (choices or ())]
    if positions and max(positions) >= 0:
        return Extraction(
            answer=LETTERS[positions.index(max(positions))], method="machinesom-option-text"
        )
    if by_letter is not None:
        return Extraction(answer=by_letter, method="machinesom-paren")
    return Extraction(answer=None, method="none")
