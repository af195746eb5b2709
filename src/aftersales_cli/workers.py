"""Pure work shared out to worker processes, its answers taken back in order: import
checks a large file's rows there while it writes, export builds its records there while
it reads. The work is a module-level function of what the command gives once (`given`:
the rules, the time) and of one task (a chunk of lines, a batch of rows); no worker
touches the database, the clock or the terminal.

Each worker has a pipe of its own: tasks go to the workers in turn, and a worker's next
task only once its last answer is read — so that a worker and this process never both
wait to send, and no more than a task per worker is in memory besides the one in hand.
The process that takes the answers collects its garbage seldom while it does
(`few_collections`). A worker killed (the OOM killer, by hand) ends reading its pipe:
`WorkerStopped`, exit 75; Ctrl-C is this process's to handle (the workers ignore it); when
this process ends or is killed, its pipes end and so do the workers.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from aftersales_cli.errors import WorkerStopped

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Task = TypeVar("Task")
Answer = TypeVar("Answer")


def available() -> int:
    """How many processes may share the work: the processors this one may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1


class _Failed:
    """A task whose work raised in a worker: a bug, said with the worker's traceback."""

    def __init__(self, text: str) -> None:
        self.text = text


def in_order(
    tasks: Iterable[Task],
    work: Callable[[Any, Task], Answer],
    given: Any,
    count: int,
    stopped: str,
) -> Iterator[tuple[Task, Answer]]:
    """Each task with its answer, `work(given, task)` done by `count` spawned processes,
    in the order of `tasks`. `stopped`: the error when a worker is killed."""
    import multiprocessing

    # (spawned, not forked: a fork would copy this process's open database connection)
    context = multiprocessing.get_context("spawn")
    started: list[tuple[BaseProcess, Connection]] = []
    try:
        for _ in range(count):
            here, there = context.Pipe()
            process = context.Process(target=_serve, args=(there, work, given), daemon=True)
            process.start()
            there.close()  # (its end is the worker's alone: if it dies, reading here ends)
            started.append((process, here))
        pending = iter(tasks)
        out: deque[tuple[Task, Connection]] = deque()
        for _, pipe in started:
            task = next(pending, _END)
            if task is _END:
                break
            _send(pipe, task, stopped)
            out.append((task, pipe))
        while out:
            task, pipe = out.popleft()
            answer = _answer(pipe, stopped)
            following = next(pending, _END)
            if following is not _END:
                _send(pipe, following, stopped)
                out.append((following, pipe))
            yield task, answer
    finally:
        for _, pipe in started:
            pipe.close()  # (a worker waiting for a task, or sending an answer, ends)
        for worker, _ in started:
            worker.join(timeout=2)
            if worker.is_alive():
                worker.kill()
                worker.join()


_END: Any = object()


def _send(pipe: Connection, task: Any, stopped: str) -> None:
    try:
        pipe.send(task)
    except OSError:
        raise WorkerStopped(stopped) from None


def _answer(pipe: Connection, stopped: str) -> Any:
    try:
        answer = pipe.recv()
    except (EOFError, OSError):
        raise WorkerStopped(stopped) from None
    if isinstance(answer, _Failed):
        raise RuntimeError(f"in a worker process:\n{answer.text}")
    return answer


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """In the process that streams a bulk job's records (export, import): the cyclic
    garbage collector run once per 100,000 new objects rather than 700, the start-up's
    objects set aside. Such a job makes millions of short-lived dicts, lists and tuples
    and no cycles (the same 533 objects are left to collect at an export's end however
    many records it writes), and each collection walked every object of the start-up (10k
    export, measured: 2.5 s of CPU → 2.1 s, the peak memory the same; py-spy had 5 % of a
    100k import's writing process in the collector). The workers keep Python's pace: no
    gain measured there."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _serve(pipe: Connection, work: Callable[[Any, Any], Any], given: Any) -> None:
    """A worker: each task received answered, until the pipe ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's to handle
    try:
        while True:
            task = pipe.recv()
            try:
                answer = work(given, task)
            except Exception:  # a bug: said where the command can report it
                answer = _Failed(traceback.format_exc())
            pipe.send(answer)
    except (EOFError, OSError):  # the command is done, or gone
        return
