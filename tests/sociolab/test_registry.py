"""The generic registry and plugin loading (config ``plugins:`` and entry points)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sociolab.errors import ConfigError
from sociolab.registry import Registry, UnknownNameError, load_plugins

REPO = Path(__file__).resolve().parents[2]


def test_register_directly_and_as_decorator() -> None:
    reg: Registry[object] = Registry("colour")
    reg.register("red", 1)

    @reg.register("blue")
    def blue() -> None: ...

    assert reg["red"] == 1 and reg["blue"] is blue
    assert reg.names() == ["blue", "red"] == list(reg)
    assert "red" in reg and "green" not in reg and len(reg) == 2
    assert reg.get("green") is None  # a Mapping


def test_unknown_name_lists_the_known_ones_in_one_line() -> None:
    reg: Registry[int] = Registry("colour")
    reg.register("red", 1)
    reg.register("blue", 2)
    with pytest.raises(UnknownNameError) as info:
        reg["green"]
    assert str(info.value) == "unknown colour 'green' (known: blue, red)"
    assert isinstance(info.value, ConfigError)
    assert info.value.problems == ["unknown colour 'green' (known: blue, red)"]


def test_a_later_registration_replaces_the_earlier() -> None:
    reg: Registry[int] = Registry("colour")
    reg.register("red", 1)
    reg.register("red", 2)
    assert reg["red"] == 2


def test_a_plugin_that_fails_to_import_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken_plugin.py").write_text("import not_a_module_anywhere\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(ConfigError) as info:
            load_plugins(["broken_plugin", "no.such.plugin"])
    finally:
        sys.path.remove(str(tmp_path))
    assert info.value.problems == [
        "plugin 'broken_plugin' failed to import: "
        "ModuleNotFoundError: No module named 'not_a_module_anywhere'",
        "plugin 'no.such.plugin' failed to import: ModuleNotFoundError: No module named 'no'",
    ]


def _distribution(site: Path, module: str, body: str) -> None:
    """An installed distribution as pip leaves it: a module and its .dist-info folder."""
    (site / f"{module}.py").write_text(textwrap.dedent(body))
    info = site / "demo_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[sociolab.plugins]\ndemo = {module}\n")


def _run(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": f"{site}:{REPO}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_entry_point_plugins_load_on_the_first_lookup(tmp_path: Path) -> None:
    _distribution(
        tmp_path,
        "demo_plugin",
        """
        from protocols.decision import DECISION_RULES
        DECISION_RULES.register("last", lambda answers: answers[-1] if answers else None)
        """,
    )
    out = _run(
        tmp_path,
        """
        import sys
        from protocols.decision import DECISION_RULES
        assert "demo_plugin" not in sys.modules  # nothing loaded before a lookup
        print(DECISION_RULES["last"](["a", "b"]), ", ".join(DECISION_RULES))
        """,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "b du2023, first, last, machinesom, majority, plurality"


def test_a_broken_entry_point_is_one_line(tmp_path: Path) -> None:
    _distribution(tmp_path, "demo_plugin", "raise RuntimeError('no licence key')\n")
    out = _run(
        tmp_path,
        """
        from protocols.decision import DECISION_RULES
        from sociolab.errors import ConfigError
        try:
            DECISION_RULES["majority"]
        except ConfigError as exc:
            print(exc.problems)
        """,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        "[\"plugin entry point 'demo' (demo_plugin) failed: RuntimeError: no licence key\"]"
    )
