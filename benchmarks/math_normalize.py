"""Normalising MATH answers to one canonical string, so equivalent answers compare equal.

``normalize_answer`` is idempotent. It removes what does not change the value
(``$``, ``\\left``/``\\right``, spacing, ``\\displaystyle``, a short ``x =`` prefix,
trailing units, ``^\\circ``, ``\\%``, a final period, thousands separators), rewrites
equivalent spellings (``\\dfrac``/``\\tfrac`` -> ``\\frac``, ``\\frac12`` ->
``\\frac{1}{2}``, ``\\sqrt2`` -> ``\\sqrt{2}``, ``x^{2}`` -> ``x^2``) and writes every
rational number the same way: an integer (``5``), an exact decimal (``0.5`` for
``\\frac12``, ``1/2`` and ``.50``) or ``p/q`` (``-1/3``) when no finite decimal exists.
Tuples, intervals and lists are normalised element by element.
"""

from __future__ import annotations

import re
from fractions import Fraction

from benchmarks.boxed import last_boxed
from benchmarks.latex_args import brace_group, macro_arg

_TEXT_MACROS = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{")
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad(?![A-Za-z])|~")
_LEFT_RIGHT = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])\.?")
_DEGREE = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree(?![A-Za-z])")
_UNIT_WORDS = (
    r"(?:square\s+|sq\.?\s+|cubic\s+)?"
    r"(?:units?|centimeters?|cm|meters?|km|kilometers?|mm|millimeters?|inches|inch|feet|foot|ft"
    r"|yards?|yd|miles?|degrees?|radians?|dollars?|cents?|hours?|hrs?|minutes?|mins?|seconds?"
    r"|secs?|days?|weeks?|months?|years?|mph|kg|grams?|pounds?|lbs?|liters?|litres?|ml"
    r"|people|students|ways|cookies|marbles|points)"
)
_UNIT_TAIL = re.compile(r"^(?P<value>.*?\d.*?)\s*" + _UNIT_WORDS + r"(?:\^\{?[23]\}?)?\.?$", re.I)
_SHORT_UNIT_TAIL = re.compile(r"^(?P<value>.*?\d.*?)\s+(?:m|g|in|mi|s)(?:\^\{?[23]\}?)?\.?$")
_PREFIX = re.compile(
    r"^(?:[A-Za-z](?:_\{?\w+\}?)?|\\[A-Za-z]+|[A-Za-z](?:\s*[-+*]\s*[A-Za-z])+|[A-Za-z]{2,3}"
    r"|[A-Za-z]\([A-Za-z0-9]\))$"
)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_INT = re.compile(r"^[+-]?\d+$")
_DEC = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+)$")
_SLASH = re.compile(r"^([+-]?\d+)/([+-]?\d+)$")
_FRAC = re.compile(r"^([+-]?)\\frac\{([+-]?\d+(?:\.\d+)?)\}\{([+-]?\d+(?:\.\d+)?)\}$")
_MIXED = re.compile(r"^([+-]?)(\d+)\\frac\{(\d+)\}\{(\d+)\}$")
_SPACES = re.compile(r"(\\[A-Za-z]+)\s+(?=[A-Za-z0-9])|\s+")
_MACRO = re.compile(r"\\(frac|binom|sqrt)(?![A-Za-z])")


def as_rational(text: str) -> Fraction | None:
    """The value of ``text`` when it is a plain rational number (already normalised), else None.

    Accepts integers, decimals, ``p/q``, ``\\frac{p}{q}`` (integer or decimal parts) and
    mixed numbers such as ``2\\frac{1}{2}``.
    """
    try:
        if _INT.match(text) or _DEC.match(text):
            return Fraction(text)
        if m := _SLASH.match(text):
            return Fraction(int(m.group(1)), int(m.group(2)))
        if m := _FRAC.match(text):
            value = Fraction(m.group(2)) / Fraction(m.group(3))
            return -value if m.group(1) == "-" else value
        if (m := _MIXED.match(text)) and int(m.group(3)) < int(m.group(4)):
            value = int(m.group(2)) + Fraction(int(m.group(3)), int(m.group(4)))
            return -value if m.group(1) == "-" else value
    except (ValueError, ZeroDivisionError):
        return None
    return None


def format_rational(value: Fraction) -> str:
    """``5``, ``0.25`` (exact decimal when one exists) or ``-1/3``."""
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = abs(value.numerator) * (10**places // value.denominator)
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _strip_text_macros(s: str) -> str:
    """``5\\text{ cm}`` -> ``5``; ``\\text{(A)}`` -> ``(A)``: trailing text is a unit, other text is kept."""
    while (m := _TEXT_MACROS.search(s)) is not None:
        group = brace_group(s, m.end() - 1)
        if group is None:
            return s
        content, end = group
        before, after = s[: m.start()], s[end:]
        is_unit = bool(before.strip()) and re.fullmatch(r"\s*(?:\^\{?[23]\}?)?\s*\.?\s*", after)
        s = before if is_unit else before + content + after
    return s


def _fix_macros(s: str) -> str:
    """Give ``\\frac``, ``\\binom`` and ``\\sqrt`` braced arguments (``\\frac12`` -> ``\\frac{1}{2}``)."""
    out: list[str] = []
    i = 0
    while i < len(s):
        m = _MACRO.search(s, i)
        if m is None:
            out.append(s[i:])
            break
        out.append(s[i : m.start()])
        j = m.end()
        name = m.group(1)
        root = ""
        if name == "sqrt" and j < len(s) and s[j] == "[":
            close = s.find("]", j)
            if close == -1:
                out.append(s[m.start() :])
                break
            root = s[j : close + 1]
            j = close + 1
        args: list[str] = []
        for _ in range(1 if name == "sqrt" else 2):
            arg = macro_arg(s, j)
            if arg is None:
                break
            args.append(_fix_macros(arg[0]))
            j = arg[1]
        if len(args) != (1 if name == "sqrt" else 2):
            out.append(s[m.start() :])
            break
        out.append(f"\\{name}{root}" + "".join("{" + a + "}" for a in args))
        i = j
    return "".join(out)


def _split_top(s: str) -> list[str]:
    """Split at commas outside any brackets."""
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and s[i + 1 : i + 2] in ("{", "}"):
            depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
        i += 1
    parts.append(s[start:])
    return parts


def split_sequence(s: str) -> tuple[str, list[str], str] | None:
    """A tuple, interval, set or list as (opening bracket, elements, closing bracket), else None.

    ``(1,2)`` -> ``("(", ["1", "2"], ")")``; ``1,2`` -> ``("", ["1", "2"], "")``; a
    single value gives None.
    """
    for open_, close in (("\\{", "\\}"), ("(", ")"), ("[", ")"), ("(", "]"), ("[", "]")):
        if s.startswith(open_) and s.endswith(close) and len(s) > len(open_) + len(close):
            inner = s[len(open_) : len(s) - len(close)]
            parts = _split_top(inner)
            if len(parts) > 1 and _balanced(inner):
                return open_, parts, close
    parts = _split_top(s)
    if len(parts) > 1 and all(p for p in parts):
        return "", parts, ""
    return None


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += 1 if ch in "([{" else -1 if ch in ")]}" else 0
        if depth < 0:
            return False
    return depth == 0


def squeeze_spaces(s: str) -> str:
    """Remove whitespace, except one space where it ends a command before a letter (``\\pi r``)."""
    return _SPACES.sub(lambda m: m.group(1) + " " if m.group(1) else "", s)


def _normalize_value(s: str) -> str:
    s = s.strip().rstrip(".,;:").strip()
    for pattern in (_UNIT_TAIL, _SHORT_UNIT_TAIL):
        if (m := pattern.match(s)) is not None:
            s = m.group("value").strip()
    if s.count("=") == 1:
        left, right = s.split("=")
        if _PREFIX.match(left.strip()) and right.strip():
            s = right
    s = re.sub(r"^(?:[A-Za-z]\s*)?\\in(?![A-Za-z])", "", s.strip())
    s = squeeze_spaces(s)
    s = _fix_macros(s)
    s = re.sub(r"([\^_])\{(\w)\}", r"\1\2", s)
    s = s.replace("{,}", "")
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    s = s.removeprefix("+")
    if (value := as_rational(s)) is not None:
        return format_rational(value)
    return s


def normalize_answer(text: str) -> str:
    """The canonical string of a MATH answer (see the module docstring)."""
    s = text.strip()
    boxed = last_boxed(s)
    if boxed is not None:
        s = boxed
    s = s.replace("\\$", "").replace("$", "").replace("\n", " ")
    s = re.sub(r"^\\[(\[]|\\[)\]]$", "", s.strip())
    s = re.sub(r"\\(?:displaystyle|textstyle)(?![A-Za-z])", "", s)
    s = s.replace("\\\\", " ")
    s = _SPACING.sub(" ", s)
    s = _LEFT_RIGHT.sub("", s)
    s = re.sub(r"\\[dtc]frac(?![A-Za-z])", r"\\frac", s)
    s = re.sub(r"\\[dt]binom(?![A-Za-z])", r"\\binom", s)
    s = _DEGREE.sub("", s)
    s = s.replace("\\%", "").replace("%", "")
    s = _strip_text_macros(s)
    s = s.strip().rstrip(".").strip()
    squeezed = squeeze_spaces(s)
    seq = split_sequence(squeezed) if "," in s else None
    if seq is not None and not _THOUSANDS.match(squeezed):
        open_, parts, close = seq
        return open_ + ",".join(_normalize_value(p) for p in parts) + close
    return _normalize_value(s)
