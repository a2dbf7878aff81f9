"""Parsing normalised LaTeX answers into sympy expressions, and comparing them numerically.

Only imported inside the sympy worker process (:mod:`benchmarks.sympy_worker`). The
parser is a small recursive-descent parser over a fixed vocabulary (numbers,
one-letter variables, ``\\frac``, ``\\sqrt``, ``\\binom``, ``\\pi``, ``\\infty``, Greek
letters, common functions, ``+ - * / ^ !`` and implicit products); it builds sympy
objects directly and never evaluates text, so replies cannot run code. ``e`` and
``i`` are read as Euler's number and the imaginary unit, as in MATH.
"""

from __future__ import annotations

import cmath
import re
from typing import Any

import sympy  # type: ignore[import-untyped]

_TOKEN = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+|\\[A-Za-z]+|[A-Za-z]|\S)")
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "varphi",
    "chi", "psi", "omega",
}  # fmt: skip
_FUNCS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "sec": sympy.sec, "csc": sympy.csc,
    "cot": sympy.cot, "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "ln": sympy.log, "log": sympy.log, "exp": sympy.exp,
}  # fmt: skip
_POINTS = [0.5377, 1.8339, -2.2588]  # values tried for free variables
Expr = Any  # sympy expressions are untyped


class Unsupported(Exception):
    """The text uses something the parser does not know."""


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = [m.group(1) for m in _TOKEN.finditer(text)]
        if "".join(self.tokens) != re.sub(r"\s+", "", text):
            raise Unsupported(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise Unsupported(f"expected {expected or 'more'} at token {self.i}")
        self.i += 1
        return tok

    def parse(self) -> Expr:
        value = self.expr()
        if self.peek() is not None:
            raise Unsupported(f"unexpected {self.peek()!r}")
        return value

    def expr(self) -> Expr:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        return value

    def starts_atom(self, tok: str | None) -> bool:
        if tok is None:
            return False
        if tok in ("(", "{", "[") or tok[0].isdigit() or tok[0] == "." or tok.isalpha():
            return True
        return tok.startswith("\\") and tok not in ("\\cdot", "\\times", "\\div")

    def term(self) -> Expr:
        value = self.unary()
        while True:
            tok = self.peek()
            if tok in ("*", "\\cdot", "\\times"):
                self.take()
                value = value * self.unary()
            elif tok in ("/", "\\div"):
                self.take()
                value = value / self.unary()
            elif self.starts_atom(tok):
                value = value * self.power()
            else:
                return value

    def unary(self) -> Expr:
        if self.peek() in ("+", "-"):
            sign = self.take()
            value = self.unary()
            return -value if sign == "-" else value
        return self.power()

    def power(self) -> Expr:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            return base ** self.exponent()
        return base

    def exponent(self) -> Expr:
        tok = self.peek()
        if tok in ("+", "-"):
            self.take()
            value = self.exponent()
            return -value if tok == "-" else value
        if tok is not None and tok[0].isdigit() and len(tok) > 1:
            self.tokens[self.i] = tok[1:]  # x^23 means x^2 times 3
            return sympy.Integer(tok[0])
        return self.postfix()

    def postfix(self) -> Expr:
        value = self.atom()
        while self.peek() == "!":
            self.take()
            value = sympy.factorial(value)
        return value

    def group(self) -> Expr:
        if self.peek() == "{":
            self.take("{")
            value = self.expr()
            self.take("}")
            return value
        return self.postfix()

    def atom(self) -> Expr:
        tok = self.take()
        if tok[0].isdigit() or tok[0] == ".":
            return sympy.Rational(tok)
        if tok in ("(", "[", "{"):
            value = self.expr()
            self.take({"(": ")", "[": "]", "{": "}"}[tok])
            return value
        if tok.isalpha() and len(tok) == 1:
            if tok == "e":
                return sympy.E
            if tok == "i":
                return sympy.I
            return sympy.Symbol(tok + self.subscript())
        if tok.startswith("\\"):
            return self.command(tok[1:])
        raise Unsupported(tok)

    def subscript(self) -> str:
        if self.peek() != "_":
            return ""
        self.take("_")
        if self.peek() == "{":
            self.take("{")
            parts = []
            while self.peek() not in ("}", None):
                parts.append(self.take())
            self.take("}")
            return "_" + "".join(parts)
        return "_" + self.take()

    def command(self, name: str) -> Expr:
        if name == "frac":
            num = self.group()
            return num / self.group()
        if name == "binom":
            n = self.group()
            return sympy.binomial(n, self.group())
        if name == "sqrt":
            if self.peek() == "[":
                self.take("[")
                root = self.expr()
                self.take("]")
                return self.group() ** (1 / root)
            return sympy.sqrt(self.group())
        if name == "pi":
            return sympy.pi
        if name == "infty":
            return sympy.oo
        if name in _GREEK:
            return sympy.Symbol(name + self.subscript())
        if name in _FUNCS:
            return _FUNCS[name](self.group())
        raise Unsupported("\\" + name)


def parse_latex(text: str) -> Expr | None:
    """A sympy expression for normalised LaTeX ``text``, or None when unsupported."""
    try:
        return _Parser(text).parse()
    except (Unsupported, TypeError, ValueError, ZeroDivisionError):
        return None


def _close(a: complex, b: complex) -> bool:
    if not (cmath.isfinite(a) and cmath.isfinite(b)):
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def sympy_equal(a: str, b: str) -> bool | None:
    """Whether two normalised answers have the same value (None: cannot tell).

    Expressions without variables are compared numerically (30 digits); with
    variables, at three fixed points. Values that are not finite numbers fall back
    to ``simplify(a - b) == 0``.
    """
    ea, eb = parse_latex(a), parse_latex(b)
    if ea is None or eb is None:
        return None
    if ea == eb:
        return True
    symbols = sorted(ea.free_symbols | eb.free_symbols, key=str)
    points = [
        {s: _POINTS[(k + j) % len(_POINTS)] + 0.1 * j for j, s in enumerate(symbols)}
        for k in range(len(_POINTS) if symbols else 1)
    ]
    try:
        for point in points:
            va = complex(sympy.N(ea.subs(point), 30))
            vb = complex(sympy.N(eb.subs(point), 30))
            if not _close(va, vb):
                return False
        return True
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return bool(sympy.simplify(ea - eb) == 0)
