"""Whether two MATH answers are equivalent.

In order: equal canonical strings (:func:`normalize_answer`); two rational numbers
are decided by value; tuples, intervals and lists compare element by element
(brackets must match; sets ``\\{...\\}`` in any order); anything else goes to the
sympy fallback (a worker process under a time limit, see :mod:`benchmarks.sympy_worker`),
where only a definite "same value" counts.
"""

from __future__ import annotations

from benchmarks.math_normalize import as_rational, normalize_answer, split_sequence
from benchmarks.sympy_worker import CHECKER

DEFAULT_TIMEOUT = 2.0


def _equiv_normalized(a: str, b: str, timeout: float) -> bool:
    if a == b:
        return True
    ra, rb = as_rational(a), as_rational(b)
    if ra is not None and rb is not None:
        return ra == rb
    sa, sb = split_sequence(a), split_sequence(b)
    if sa is not None or sb is not None:
        if sa is None or sb is None or sa[0] != sb[0] or sa[2] != sb[2] or len(sa[1]) != len(sb[1]):
            return False
        if sa[0] == "\\{":
            rest = list(sb[1])
            for x in sa[1]:
                match = next((y for y in rest if _equiv_normalized(x, y, timeout)), None)
                if match is None:
                    return False
                rest.remove(match)
            return True
        return all(_equiv_normalized(x, y, timeout) for x, y in zip(sa[1], sb[1], strict=True))
    if timeout <= 0 or not a or not b:
        return False
    return CHECKER.equal(a, b, timeout) is True


def is_equiv(a: str, b: str, *, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Whether answers ``a`` and ``b`` are equivalent.

    Args:
        a: an answer (LaTeX, raw or normalised).
        b: another answer.
        timeout: seconds allowed for the sympy fallback; 0 turns the fallback off.
    """
    return _equiv_normalized(normalize_answer(a), normalize_answer(b), timeout)
