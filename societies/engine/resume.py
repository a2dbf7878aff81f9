"""Continuing a recorded run with the config given now: what changed, and the header that says so.

A run may continue (``--resume``, or a sweep extending its cells) when no change
would alter a recorded turn: the header is then rewritten to the current config
and keeps, in ``amendments``, every change made to it since the run started.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from societies.config.diff import ConfigDiff, FieldChange, diff_configs, merge
from societies.engine.build import now
from societies.errors import RunError
from societies.transcript import AmendmentRecord, ChangeRecord, HeaderEvent


class ConfigChangedError(RunError):
    """The config changed in a way that would change a recorded run's results.

    ``problems`` holds the message's first line, then one line per changed field.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _questions_digest(header: HeaderEvent) -> str:
    blob = json.dumps([q.model_dump(mode="json") for q in header.questions], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _identity_changes(old: HeaderEvent, new: HeaderEvent, seen: ConfigDiff) -> ConfigDiff:
    """Backend identities that differ beyond the config fields already listed (a model file's hash)."""
    before: dict[str, Any] = old.components.get("backends") or {}
    after: dict[str, Any] = new.components.get("backends") or {}
    listed = [c.path for c in seen.changes]
    out: list[FieldChange] = []
    for name in before.keys() & after.keys():
        d = diff_configs(before[name], after[name], prefix=f"backends.{name}.identity")
        for c in d.changes:
            as_config = c.path.replace(f"backends.{name}.identity", f"backends.{name}", 1)
            if not any(p == as_config or p.startswith(f"{as_config}.") for p in listed):
                out.append(c)
    return ConfigDiff(tuple(out))


def _relocated(diff: ConfigDiff, *, same_questions: bool, same_prompts: bool) -> ConfigDiff:
    """``diff`` with a moved data or prompt-set file counted harmless when what was read from
    it is the same (the questions, the templates' text); ``task.path`` is the only task field
    that may move."""

    def moved(c: FieldChange) -> bool:
        return (same_questions and c.path == "task.path") or (
            same_prompts and (c.path == "prompts" or c.path.startswith("prompts."))
        )

    return ConfigDiff(
        tuple(
            replace(c, effect="none", why="the same content, read from another place")
            if c.effect == "results" and moved(c)
            else c
            for c in diff.changes
        )
    )


def header_diff(old: HeaderEvent, new: HeaderEvent) -> ConfigDiff:
    """Every change between a recorded header and the one the current config builds.

    Besides the config's fields: the prompt templates' text, the backends' identities
    (a model file's checksum) and the questions read from the task's data.
    """
    config = diff_configs(old.config, new.config)
    extra: list[FieldChange] = []
    old_prompts = (old.components.get("prompts") or {}).get("digest")
    new_prompts = (new.components.get("prompts") or {}).get("digest")
    if old_prompts != new_prompts:
        extra.append(
            FieldChange("prompts (the templates' text)", old_prompts, new_prompts, "results")
        )
    old_q, new_q = _questions_digest(old), _questions_digest(new)
    if old_q != new_q:
        extra.append(
            FieldChange(
                "task (the questions read)",
                f"{len(old.questions)} questions, digest {old_q}",
                f"{len(new.questions)} questions, digest {new_q}",
                "results",
            )
        )
    config = _relocated(
        config, same_questions=old_q == new_q, same_prompts=old_prompts == new_prompts
    )
    diff = merge([config, ConfigDiff(tuple(extra)), _identity_changes(old, new, config)])
    if not diff and old.config_digest != new.config_digest:
        # Nothing we can name differs, yet the digest does: be safe.
        change = FieldChange("config_digest", old.config_digest, new.config_digest, "results")
        diff = ConfigDiff((change,))
    return diff


def refusal(where: str, diff: ConfigDiff) -> ConfigChangedError:
    """The error that stops a run from continuing under a config that changes its results."""
    n = sum(c.effect == "results" for c in diff.changes)
    head = (
        f"{where}: the config differs from the one the run was started with in "
        f"{len(diff.changes)} field(s), {n} of which would change its results: continuing "
        "would mix two experiments; undo the change or choose another --out"
    )
    return ConfigChangedError([head, *diff.lines()])


def amended(old: HeaderEvent, new: HeaderEvent, diff: ConfigDiff) -> HeaderEvent:
    """``old`` brought up to the current config, with this change appended to its amendments."""
    record = AmendmentRecord(
        amended_at=now(),
        changes=[
            ChangeRecord(path=c.path, old=c.old, new=c.new, effect=c.effect) for c in diff.changes
        ],
    )
    return old.model_copy(
        update={
            "name": new.name,
            "config": new.config,
            "config_digest": new.config_digest,
            "components": new.components,
            "repeats": new.repeats,
            "amendments": [*old.amendments, record],
        }
    )


__all__ = ["ConfigChangedError", "amended", "header_diff", "refusal"]
