"""Run folders: one writer at a time, bad output folders refused in one line, safe names,
a transcript cut inside its header restarted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from societies.cli.app import app
from societies.engine.folder import LOCK, safe_name
from societies.transcript import read_transcript
from tests.helpers.configs import sim_config
from tests.helpers.skips import skip_as_root
from tests.societies.engine.test_coalition import coalition_config

ROOT = Path(__file__).resolve().parents[2]

HOLD = """
import os, sys, time
from pathlib import Path
from societies.engine.folder import folder_lock
with folder_lock(Path(sys.argv[1])):
    print(os.getpid(), flush=True)
    sys.stdin.readline()  # hold until told
    if sys.argv[2] == "die":
        os._exit(9)  # end without unlocking, as a killed run would
"""


def _config(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(sim_config(**changes)))
    return path


def _run(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["run", *args])
    return result.exit_code, [line for line in result.output.splitlines() if line.strip()]


def _holder(folder: Path, how: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def test_a_second_writer_is_refused_naming_the_holder_and_a_dead_holder_is_taken_over(
    tmp_path: Path,
) -> None:
    config, out = _config(tmp_path), tmp_path / "run"
    proc, pid = _holder(out, "die")
    try:
        code, lines = _run(str(config), "--out", str(out))
        assert code == 1 and len(lines) == 1
        assert f"in use by another sociolab process (pid {pid})" in lines[0]
        assert not (out / "transcript.jsonl").exists()
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.close()
        assert proc.wait(30) == 9
    assert (out / LOCK).exists()  # left behind by the dead holder
    code, lines = _run(str(config), "--out", str(out))
    assert code == 0, lines
    assert len(read_transcript(out / "transcript.jsonl").turns) == 108


def test_a_second_sweep_on_one_folder_is_refused(tmp_path: Path) -> None:
    sweep = tmp_path / "s.yaml"
    sweep.write_text(yaml.safe_dump({"name": "s", "base": sim_config(), "grid": {"seed": [1, 2]}}))
    out = tmp_path / "sweep"
    proc, pid = _holder(out, "end")
    try:
        result = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(out)])
        assert result.exit_code == 1 and f"(pid {pid})" in result.output
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(30)


def test_calibrate_is_refused_while_another_process_writes_into_its_folder(
    tmp_path: Path,
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(coalition_config()))
    out = tmp_path / "tables"
    table = out / "skills.json"
    proc, pid = _holder(out, "die")
    try:
        result = CliRunner().invoke(app, ["calibrate", str(config), "--out", str(table)])
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 1 and len(lines) == 1, result.output
        assert f"in use by another sociolab process (pid {pid})" in lines[0]
        assert not table.exists() and not table.with_suffix(".cache.sqlite").exists()
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.close()
        assert proc.wait(30) == 9
    result = CliRunner().invoke(app, ["calibrate", str(config), "--out", str(table)])
    assert result.exit_code == 0, result.output  # the dead holder's lock is taken over
    assert table.exists()


@pytest.mark.parametrize("where", ["file", "/dev/null", "/proc/sociolab-x", "under-a-file"])
def test_an_output_folder_that_cannot_be_one_is_a_one_line_error(
    tmp_path: Path, where: str
) -> None:
    config = _config(tmp_path)
    out = {
        "file": str(config),
        "under-a-file": str(config / "x"),
    }.get(where, where)
    code, lines = _run(str(config), "--out", out)
    assert code == 1 and len(lines) == 1 and lines[0].startswith(f"error: {out}: ")
    assert "output folder" in lines[0]


def test_a_read_only_output_folder_is_a_one_line_error(tmp_path: Path) -> None:
    skip_as_root()
    config, out = _config(tmp_path), tmp_path / "ro"
    out.mkdir(mode=0o500)
    code, lines = _run(str(config), "--out", str(out))
    assert code == 1 and lines == [f"error: {out}: the output folder is not writable"]


def test_the_default_folder_of_a_hostile_name_stays_under_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    config = _config(tmp_path, name="../../x")
    code, lines = _run(str(config))
    assert code == 0, lines
    assert (work / "runs" / "x" / "transcript.jsonl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "c.yaml"]
    assert safe_name("../..") == "run" and safe_name("a/b c") == "a-b-c"


def test_a_transcript_cut_inside_its_header_says_so_and_resume_starts_it_over(
    tmp_path: Path,
) -> None:
    config, out = _config(tmp_path), tmp_path / "run"
    assert _run(str(config), "--out", str(out))[0] == 0
    whole = (out / "transcript.jsonl").read_bytes()
    (out / "transcript.jsonl").write_bytes(whole[:300])  # killed while writing the header
    code, lines = _run(str(config), "--out", str(out))
    assert code == 1 and len(lines) == 1 and "the header is cut" in lines[0]
    assert "--resume" in lines[0]
    report = CliRunner().invoke(app, ["report", str(out)])
    assert report.exit_code == 1 and "the header is cut" in report.output
    code, lines = _run(str(config), "--out", str(out), "--resume")
    assert code == 0, lines
    assert len(read_transcript(out / "transcript.jsonl").turns) == 108
