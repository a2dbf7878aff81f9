"""``ops``: fewer operations of ``a+b*c+d-e*f`` on the same operands."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from benchmarks.arithmetic import ArithmeticSpec, expression


@pytest.mark.parametrize(
    ("ops", "text", "value"),
    [
        (1, "2+3", 5),
        (2, "2+3*4", 14),
        (3, "2+3*4+5", 19),
        (4, "2+3*4+5-6", 13),
        (5, "2+3*4+5-6*7", -23),
    ],
)
def test_expression_keeps_the_first_operations(ops: int, text: str, value: int) -> None:
    operands = [2, 3, 4, 5, 6, 7]
    assert expression(operands, ops) == text
    spec = ArithmeticSpec(limit=1, ops=ops)
    q = spec.build().questions()[0]
    # the value is Python's on the expression the question states
    expr = q.metadata["expression"]
    assert q.prompt == f"What is the result of {expr}?"
    assert q.gold == str(eval(expr))  # digits, + - * only
    assert value == eval(text)


def test_fewer_ops_ask_about_the_same_operands() -> None:
    full = ArithmeticSpec(limit=20, seed=4).build().questions()
    one = ArithmeticSpec(limit=20, seed=4, ops=1).build().questions()
    for f, o in zip(full, one, strict=True):
        a, b = o.metadata["expression"].split("+")
        assert f.metadata["expression"].startswith(f"{a}+{b}*")
        assert o.gold == str(int(a) + int(b))


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"ops": 0}, "greater than or equal to 1"),
        ({"ops": 6}, "less than or equal to 5"),
        ({"items": "du2023", "ops": 1}, "ops: items du2023 are Du's a+b*c+d-e*f; remove ops"),
    ],
)
def test_ops_out_of_range_or_with_du_items_is_refused(
    task: dict[str, object], expected: str
) -> None:
    with pytest.raises(ValidationError, match=expected.replace("+", r"\+").replace("*", r"\*")):
        ArithmeticSpec.model_validate(task)
