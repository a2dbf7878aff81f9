"""SQLite response cache shared by all backends.

Keyed by a hash of the backend identity, the messages, the generation
parameters (seed included) and the sample index, and nothing else: the
simulation-only ``hints`` of a request (gold answer, answers extracted from
earlier replies) are left out, so a corrected gold answer or a better answer
extractor still finds every reply whose prompt is unchanged. WAL mode and short
transactions keep it safe with several writers (parallel runs, sweep cells).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from agents.types import ChatRequest, Completion

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created REAL NOT NULL
)
"""


CACHE_VERSION = 2
"""Part of every key; bumped when what a key covers changes, so old entries miss once.

Version 2 dropped the request's ``hints`` from the key.
"""


def _digest(payload: dict[str, Any]) -> str:
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _payload(identity: dict[str, Any], request: ChatRequest, sample: int) -> dict[str, Any]:
    return {
        "version": CACHE_VERSION,
        "backend": identity,
        "messages": [m.model_dump() for m in request.messages],
        "params": request.params.model_dump(),
        "sample": sample,
    }


def cache_key(identity: dict[str, Any], request: ChatRequest, sample: int = 0) -> str:
    """Stable hash of what determines a model's completion.

    Backend identity, messages, generation parameters (seed included) and the
    sample index; not the simulation-only ``hints``, which a model never sees.
    """
    return _digest(_payload(identity, request, sample))


def simulation_key(identity: dict[str, Any], request: ChatRequest, sample: int = 0) -> str:
    """:func:`cache_key` plus the request's ``hints``: what determines a simulated reply.

    A simulation (the ``scripted`` backend) answers from the hints, so two of its calls
    are the same call only when their hints agree too. Simulations are never cached;
    this key only lets identical calls in flight be shared.
    """
    return _digest({**_payload(identity, request, sample), "hints": request.hints})


class ResponseCache:
    """A completion cache in one SQLite file."""

    def __init__(self, path: Path, *, refresh: bool = False) -> None:
        """Open (or create) the cache at ``path``.

        Args:
            path: the SQLite file.
            refresh: ignore stored entries on lookup but still store new ones.
        """
        self.path = path
        self.refresh = refresh
        self.hits = 0
        self.misses = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30.0, check_same_thread=False)
        # Switching to WAL needs an exclusive lock and SQLite does not wait for it
        # (no busy timeout), so several processes opening a new cache at once retry.
        for attempt in range(100):
            try:
                if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute(_SCHEMA)
                self._db.commit()
                break
            except sqlite3.OperationalError:
                if attempt == 99:
                    raise
                time.sleep(0.05)
        self._db.execute("PRAGMA synchronous=NORMAL")

    def get(self, key: str) -> Completion | None:
        """The stored completion for ``key``, marked as cached, or None."""
        if self.refresh:
            self.misses += 1
            return None
        with self._lock:
            row = self._db.execute("SELECT value FROM completions WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return Completion.model_validate_json(row[0]).model_copy(update={"cached": True})

    def put(self, key: str, completion: Completion) -> None:
        """Store a completion (the latest write wins)."""
        value = completion.model_copy(update={"cached": False}).model_dump_json()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO completions (key, value, created) VALUES (?, ?, ?)",
                (key, value, time.time()),
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM completions").fetchone()
        return int(count)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()
