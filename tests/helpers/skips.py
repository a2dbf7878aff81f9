"""Skips that CI accepts: a condition this machine cannot meet, not a missing component."""

from __future__ import annotations

import os

import pytest

NOT_APPLICABLE = "not applicable on this machine: "
"""The prefix of a skip reason that ``CI=true`` keeps as a skip (see tests/conftest.py)."""


def skip_as_root() -> None:
    """Skip a permission test when running as root, whom file modes do not stop.

    CI here runs as root, so these tests run only under a normal user; the skip
    stays visible in the summary (``-ra``) instead of passing silently.
    """
    if os.geteuid() == 0:
        pytest.skip(NOT_APPLICABLE + "file permissions do not stop root")
