"""The package layering and import weight, checked on the code itself (not with a timer).

Layers are contracts of import-linter (``[tool.importlinter]`` in pyproject.toml);
cycles are found on grimp's import graph, which includes imports made inside
functions, so a cycle hidden behind a function-local import still counts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("sociolab", "agents", "benchmarks", "protocols", "societies")
HEAVY = ("openai", "torch", "transformers", "ray", "xllamacpp")


def test_the_import_linter_contracts_are_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None, "import-linter is part of the dev extra"
    run = subprocess.run([exe], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "0 broken" in run.stdout


def test_there_is_no_import_cycle_not_even_inside_functions() -> None:
    graph = grimp.build_graph(*ROOTS, exclude_type_checking_imports=True)
    g = nx.DiGraph(
        (m, t) for m in graph.modules for t in graph.find_modules_directly_imported_by(m)
    )
    cycles = [" -> ".join(c) for c in nx.simple_cycles(g)]
    assert cycles == []


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    modules: list[str] = json.loads(run.stdout.strip().splitlines()[-1])
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


@pytest.mark.parametrize(
    "code",
    [
        "import societies.analysis",
        "import societies.transcript",
        "import societies.analysis.metrics, societies.analysis.report",
        "import societies",
    ],
)
def test_the_reading_side_loads_no_heavy_library(code: str) -> None:
    assert _loaded_after(code) == []


def test_sociolab_help_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from societies.cli import main\n"
        "sys.argv = ['sociolab', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
    )
    assert _loaded_after(code) == []
