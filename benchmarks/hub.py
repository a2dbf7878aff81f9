"""Questions fetched from the Hugging Face hub through the optional ``datasets`` package."""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import Field, model_validator

from benchmarks.base import TaskSpec
from benchmarks.errors import TaskError
from benchmarks.records import Record


class HubSpec(TaskSpec):
    """Task config fields for tasks that read a local file or folder, or else a hub dataset."""

    hub: str | None = Field(None, description="hub dataset id, used when no path is given")
    hub_config: str | None = Field(None, description="hub dataset config (subset) name")
    split: str = Field("test", description="data split (folder, file prefix or hub split)")

    @model_validator(mode="after")
    def _one_source(self) -> Any:
        if self.path is not None and self.hub is not None:
            raise ValueError("give either path (a local copy) or hub (a dataset id), not both")
        return self


def load_hub(dataset: str, config: str | None, split: str) -> list[Record]:
    """Rows of a hub dataset split.

    Raises:
        TaskError: ``datasets`` is not installed (with the ``pip install`` line), or the
            dataset could not be loaded (offline, unknown id or config).
    """
    try:
        datasets = importlib.import_module("datasets")
    except ImportError:
        raise TaskError(
            f"loading {dataset!r} from the Hugging Face hub needs the datasets package: "
            "pip install datasets (or give task.path to a local copy)"
        ) from None
    where = f"hub {dataset}" + (f" ({config})" if config else "") + f" [{split}]"
    try:
        rows = list(datasets.load_dataset(dataset, config, split=split))
    except Exception as exc:  # network, unknown dataset or config: all reported the same way
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TaskError(
            f"{where}: could not load: {first} (give task.path to a local copy)"
        ) from None
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise TaskError(f"{where}: row {i}: expected a mapping of fields")
        out.append(Record(f"{where}: row {i}", i, row))
    return out
