"""Multiple-choice answer extraction: which option letter a reply chose, and how that was found.

The rules, in order (the first that finds an answer decides):

1. ``answer-is`` / ``boxed`` / ``option-text``: explicit statements such as
   ``The answer is (B)``, ``Answer: **B**``, ``Final answer - B``, ``I'd go with B``,
   ``C is correct``, ``\\boxed{B}``, or ``The answer is Turner syndrome`` (an option's
   text right after the statement). The last statement in the reply wins; a statement
   naming two options (``the answer is B or C``) gives no answer (``ambiguous``).
2. ``bold``: the last bold letter (``**B**``, ``**(B) text**``, ``**B. text**``).
3. ``first-line``: a first line made of a letter and optionally its option text (``C. Archaea``).
4. ``parenthesised``: the last ``(B)``, unless the reply lists every option that way.
5. ``letter-paren``: the last ``B)`` starting a word, with the same listing check.
6. ``option-mention``: exactly one option's text occurs in the reply (longest match wins
   where one option's text contains another's); several give ``ambiguous``.

Rules 4 to 6 are last resorts (:data:`benchmarks.base.FALLBACK_METHODS`).

Otherwise the answer is None with method ``none``. Letters outside the question's
options are ignored (``(E)`` on a four-option question).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from benchmarks.base import Extraction

LETTERS = "ABCDEFGHIJ"

_SEP = r"(?:\s*(?:is|was|would\s+be|will\s+be|should\s+be|must\s+be)\s*:?|\s*[:=\-–—]|\s*is\s*:)"
_LEADS = [
    # "answer is", "Answer:", "correct answer would be", "final answer -"
    re.compile(r"\b(?:final\s+|correct\s+|right\s+|best\s+|my\s+)?answer" + _SEP, re.I),
    # "Answer (B)" / "Answer **B**" without a separator: only with brackets or bold (checked below)
    re.compile(r"\b(?:final\s+|correct\s+|my\s+)?answer(?=\s*(?:\(|\*\*))", re.I),
    re.compile(
        r"(?:\b(?:correct|right|best)\s+(?:option|choice)|\bI\s+(?:would\s+)?(?:choose|pick|select)"
        r"|\bI'?d\s+(?:choose|pick|select|go\s+with)|\bI\s+(?:will|'ll)\s+go\s+with|\bgoing\s+with)"
        r"(?:\s+(?:is|would\s+be))?\s*:?",
        re.I,
    ),
]
_TOKEN = re.compile(
    r"\s*(?:\*\*|__)?\s*\$?\s*(?:\\(?:text|textbf|mathrm|mathbf)\{)?\s*"
    r"(?i:(?:option|choice)\s+)?"
    r"(?:\(([A-Ja-j])\)|\[([A-J])\]|([A-J])(?![A-Za-z0-9]))"
)
_SECOND = re.compile(
    r"\s*[)\]]?\s*(?:\*\*)?\s*(?i:or|and|/)\s*(?i:option\s+)?\(?([A-J])(?![A-Za-z0-9])"
)
_PRONOUN_I = re.compile(
    r"\s+(?:think|believe|am|would|will|guess|feel|can|cannot|can't|don't|do|have|was|need"
    r"|should|must|agree|chose|choose|pick)\b",
    re.I,
)
_IS_CORRECT = re.compile(
    r"(?<![A-Za-z0-9])(?i:(?:option|choice)\s+)?\(?([A-J])\)?(?:\*\*)?\s+is\s+(?:the\s+)?"
    r"(?i:correct|right|best)\b"
)
_BOXED = re.compile(r"\\boxed\{\s*(?:\\text(?:bf)?\{)?\s*\(?([A-J])\)?\s*\}?\s*\}")
_BOLD = re.compile(r"\*\*\s*\(?([A-J])\s*(?:[).:]|\*\*)")
_PAREN = re.compile(r"\(([A-J])\)")
_LETTER_PAREN = re.compile(r"(?:^|(?<=[\s*>]))([A-J])\)", re.M)
_FIRST_LINE = re.compile(r"^[\s*#>]*\(?([A-J])\)?\s*[.:)\]]?\s*(.*?)[\s*]*$")


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def _option_hits(text: str, choices: Sequence[str], n: int) -> list[str]:
    """Letters whose option text occurs in ``text`` (a longer option's match shadows a shorter)."""
    hay = _norm(text)
    spans: list[tuple[int, int, int]] = []  # (start, end, option index)
    for i, choice in enumerate(choices[:n]):
        needle = _norm(choice).rstrip(".")
        if not needle:
            continue
        pattern = r"(?<!\w)" + re.escape(needle) + r"(?!\w)"
        spans += [(m.start(), m.end(), i) for m in re.finditer(pattern, hay)]
    kept = {
        i
        for s, e, i in spans
        if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, _ in spans)
    }
    return [LETTERS[i] for i in sorted(kept)]


def _stated_option(segment: str, choices: Sequence[str], n: int) -> str | None:
    """The option a statement names: the longest option text it starts with, else the only one in it."""
    text = _norm(segment).lstrip("*_\"' ")
    starts = [
        (len(needle), LETTERS[i])
        for i, choice in enumerate(choices[:n])
        if (needle := _norm(choice).rstrip("."))
        and re.match(re.escape(needle) + r"(?!\w)", text) is not None
    ]
    if starts:
        return max(starts)[1]
    hits = _option_hits(segment, choices, n)
    return hits[0] if len(hits) == 1 else None


def _token_letter(reply: str, tok: re.Match[str] | None, bracketed_only: bool) -> str | None:
    """The letter of a choice token after a lead, unless it reads as a word (``Answer: I think``)."""
    if tok is None:
        return None
    letter = (tok.group(1) or tok.group(2) or tok.group(3)).upper()
    if bracketed_only and tok.group(1) is None and "**" not in tok.group(0):
        return None
    if letter == "I" and _PRONOUN_I.match(reply, tok.end()):
        return None
    return letter


def _statement(
    reply: str, valid: set[str], choices: Sequence[str] | None, n: int
) -> tuple[int, Extraction] | None:
    """The last explicit answer statement: (position, extraction)."""
    found: list[tuple[int, Extraction]] = []
    for k, lead in enumerate(_LEADS):
        for m in lead.finditer(reply):
            tok = _TOKEN.match(reply, m.end())
            letter = _token_letter(reply, tok, bracketed_only=k == 1)
            if tok is not None and letter is not None and letter in valid:
                second = _SECOND.match(reply, tok.end())
                if second is not None and second.group(1) in valid and second.group(1) != letter:
                    found.append((m.start(), Extraction(answer=None, method="ambiguous")))
                else:
                    found.append((m.start(), Extraction(answer=letter, method="answer-is")))
            elif choices:
                segment = re.split(r"[\n]|(?<=[.!?])\s", reply[m.end() :].strip(), maxsplit=1)[0]
                hit = _stated_option(segment, choices, n)
                if hit is not None:
                    found.append((m.start(), Extraction(answer=hit, method="option-text")))
    for m in _IS_CORRECT.finditer(reply):
        if m.group(1) in valid:
            found.append((m.start(), Extraction(answer=m.group(1), method="answer-is")))
    for m in _BOXED.finditer(reply):
        if m.group(1) in valid:
            found.append((m.start(), Extraction(answer=m.group(1), method="boxed")))
    return max(found, key=lambda f: f[0]) if found else None


def _last(pattern: re.Pattern[str], reply: str, valid: set[str], listing_check: bool) -> str | None:
    letters = [m.group(1) for m in pattern.finditer(reply) if m.group(1) in valid]
    if not letters or (listing_check and len(valid) > 1 and set(letters) == valid):
        return None
    return letters[-1]


def extract_choice(reply: str, choices: Sequence[str] | None) -> Extraction:
    """Find the option letter chosen in ``reply`` (see the module docstring for the rules).

    Args:
        reply: the agent's reply.
        choices: the option texts (their count bounds the valid letters; 4 when None).

    Returns:
        The letter (``A``..``J``) or None, and the rule that found it.
    """
    n = len(choices) if choices else 4
    valid = set(LETTERS[:n])
    stated = _statement(reply, valid, choices, n)
    if stated is not None:
        return stated[1]
    bold = _last(_BOLD, reply, valid, listing_check=False)
    if bold is not None:
        return Extraction(answer=bold, method="bold")
    first = reply.strip().split("\n", 1)[0]
    line = _FIRST_LINE.match(first)
    if line is not None and line.group(1) in valid:
        rest = line.group(2).strip()
        option = _norm(choices[LETTERS.index(line.group(1))]).rstrip(".") if choices else ""
        if not rest or _norm(rest).rstrip(".") == option:
            return Extraction(answer=line.group(1), method="first-line")
    for method, pattern in (("parenthesised", _PAREN), ("letter-paren", _LETTER_PAREN)):
        letter = _last(pattern, reply, valid, listing_check=True)
        if letter is not None:
            return Extraction(answer=letter, method=method)
    if choices:
        hits = _option_hits(reply, choices, n)
        if len(hits) == 1:
            return Extraction(answer=hits[0], method="option-mention")
        if len(hits) > 1:
            return Extraction(answer=None, method="ambiguous")
    return Extraction(answer=None, method="none")
