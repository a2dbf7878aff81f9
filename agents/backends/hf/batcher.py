"""Cross-request micro-batching: one worker per loaded model.

Requests from every agent and episode arrive through :meth:`MicroBatcher.submit`
and wait in one queue. The worker takes the oldest request, gathers the other
pending requests with the same group key (requests whose generation
parameters may share one ``generate`` call), waits at most ``max_wait_s`` for
more to fill the batch, picks up to ``max_batch`` of them with similar prompt
lengths (always including the oldest, so nothing starves), and runs the batch
on a single worker thread, off the event loop. Results come back through
futures. Waiting is event-driven (an :class:`asyncio.Event` with a deadline):
no polling.

The module knows nothing of torch: the batch function is passed in.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from agents.errors import BackendError

J = TypeVar("J")
R = TypeVar("R")
T = TypeVar("T")

BatchFn = Callable[[Sequence[J]], Sequence[R | BaseException]]
"""Runs one batch on the worker thread: one result (or exception) per job, in order."""


@dataclass(eq=False)
class _Pending(Generic[J, R]):
    job: J
    key: Hashable
    size: int
    seq: int
    arrived: float
    future: asyncio.Future[R]


@dataclass
class BatcherStats:
    """Counters of one batcher (for diagnostics and benchmarks)."""

    batches: int = 0
    requests: int = 0
    sizes: list[int] = field(default_factory=list)


class MicroBatcher(Generic[J, R]):
    """Collects concurrent jobs into batches and runs them on one worker thread.

    Args:
        run: the batch function, called on the worker thread.
        max_batch: the most jobs in one batch.
        max_wait_s: how long a batch may wait to fill up, counted from the
            arrival of its oldest job or from the end of the previous batch,
            whichever is later (so that requests triggered by the previous
            batch's results can join the next one).
        name: used in the worker thread's name and in error messages.
    """

    def __init__(self, run: BatchFn[J, R], *, max_batch: int, max_wait_s: float, name: str) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self._run = run
        self.max_batch = max_batch
        self.max_wait_s = max(0.0, max_wait_s)
        self.name = name
        self.stats = BatcherStats()
        self._pending: list[_Pending[J, R]] = []
        self._seq = itertools.count()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._free_since = 0.0
        self._closed = False

    async def submit(self, job: J, *, key: Hashable, size: int) -> R:
        """Queue ``job`` and wait for its result.

        Args:
            job: what the batch function receives.
            key: jobs with equal keys may share a batch.
            size: the job's length (e.g. prompt characters), used to limit padding.

        Raises:
            BackendError: the batcher was closed before the job ran.
        """
        if self._closed:
            raise BackendError(f"{self.name}: the model was closed")
        loop = asyncio.get_running_loop()
        self._ensure_worker(loop)
        assert self._wake is not None
        pending = _Pending[J, R](
            job=job,
            key=key,
            size=size,
            seq=next(self._seq),
            arrived=loop.time(),
            future=loop.create_future(),
        )
        self._pending.append(pending)
        self._wake.set()
        return await pending.future

    async def run_on_worker(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the worker thread, the thread every batch runs on.

        For work that must share the batches' thread, such as loading the model:
        torch's OpenMP keeps one pool of threads per calling thread, and a second
        thread that has used it (and lives on) slows every batch (measured: 1.5x
        slower decoding on 2 cores).

        Raises:
            BackendError: the batcher was closed.
        """
        if self._closed:
            raise BackendError(f"{self.name}: the model was closed")
        return await asyncio.get_running_loop().run_in_executor(self._worker_thread(), fn)

    def _worker_thread(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
        return self._executor

    def _ensure_worker(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._task is not None and not self._task.done() and self._task.get_loop() is loop:
            return
        # First use, or a new event loop (one provider used by two asyncio.run calls).
        self._wake = asyncio.Event()
        self._worker_thread()
        self._task = loop.create_task(self._work(), name=f"{self.name}-batcher")

    def _head_group(self) -> list[_Pending[J, R]]:
        head = self._pending[0]
        return [p for p in self._pending if p.key == head.key]

    def _drop_cancelled(self) -> None:
        self._pending = [p for p in self._pending if not p.future.done()]

    def _take(self) -> list[_Pending[J, R]]:
        """Remove and return the next batch: the oldest job plus up to max_batch-1 of its group."""
        head = self._pending[0]
        group = self._head_group()
        if len(group) > self.max_batch:
            ordered = sorted(group, key=lambda p: (p.size, p.seq))
            at = ordered.index(head)
            first = max(0, at - self.max_batch + 1)
            last = min(at, len(ordered) - self.max_batch)
            start = min(
                range(first, last + 1),
                key=lambda s: (ordered[s + self.max_batch - 1].size - ordered[s].size, s),
            )
            group = ordered[start : start + self.max_batch]
        chosen = set(map(id, group))
        self._pending = [p for p in self._pending if id(p) not in chosen]
        return sorted(group, key=lambda p: (p.size, p.seq))

    async def _gather(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wait until the head group is full or its wait time is over."""
        assert self._wake is not None
        deadline = max(self._pending[0].arrived, self._free_since) + self.max_wait_s
        while len(self._head_group()) < self.max_batch:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)
            self._drop_cancelled()
            if not self._pending:
                return

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wake is not None and self._executor is not None
        while True:
            self._drop_cancelled()
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            if self.max_batch > 1:
                await self._gather(loop)
                if not self._pending:
                    continue
            batch = self._take()
            self.stats.batches += 1
            self.stats.requests += len(batch)
            self.stats.sizes.append(len(batch))
            try:
                results: Sequence[R | BaseException] = await loop.run_in_executor(
                    self._executor, self._run, [p.job for p in batch]
                )
                if len(results) != len(batch):
                    raise BackendError(
                        f"{self.name}: batch function returned {len(results)} results "
                        f"for {len(batch)} jobs"
                    )
            except Exception as exc:
                results = [exc] * len(batch)
            for p, result in zip(batch, results, strict=True):
                if p.future.done():
                    continue  # the caller gave up (cancelled)
                if isinstance(result, BaseException):
                    p.future.set_exception(result)
                else:
                    p.future.set_result(result)
            self._free_since = loop.time()

    async def close(self) -> None:
        """Stop the worker, fail the jobs still queued and wait for the running batch."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            if task.get_loop() is asyncio.get_running_loop():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            else:  # started under another event loop (already closed, or still running)
                with contextlib.suppress(RuntimeError):
                    task.get_loop().call_soon_threadsafe(task.cancel)
        for p in self._pending:
            if not p.future.done():
                p.future.set_exception(BackendError(f"{self.name}: the model was closed"))
        self._pending.clear()
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
