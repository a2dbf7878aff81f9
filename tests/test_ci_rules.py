"""The suite's own rule: with CI=true a skipped test fails, naming why it was skipped."""

from __future__ import annotations

import pytest

SKIPPING = """
import pytest

def test_needs_something_missing():
    pytest.skip("reference data not found at /nowhere")

@pytest.mark.skipif(True, reason="needs torch")
def test_marked():
    pass
"""


def test_a_skip_fails_under_ci(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(SKIPPING)
    result = pytester.runpytest_inprocess(
        "-p", "tests.conftest", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    # A skip in the test body fails it; a skip marker fails its set-up (reported as an error).
    result.assert_outcomes(failed=1, errors=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*skipped under CI=true*reference data not found*", "*skipped under CI=true*needs torch*"]
    )


def test_a_skip_stays_a_skip_outside_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(SKIPPING)
    result = pytester.runpytest_inprocess(
        "-p", "tests.conftest", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    result.assert_outcomes(skipped=2)
