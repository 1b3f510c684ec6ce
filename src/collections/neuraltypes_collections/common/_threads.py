"""Independent pieces of one inference call run side by side, one intra-op thread each.

PyTorch parallelises inside each operation: every convolution starts the OpenMP team, splits its work and waits
for the slowest thread. A model of many small operations pays that start and that wait at every one of them, and
with ``OMP_WAIT_POLICY=PASSIVE`` (which the `neuraltypes` command sets: spinning threads make a shared machine
many times slower; docs/collections.md) each start wakes sleeping threads through the kernel: at two threads, a
VITS sentence took longer than at one. Where a call splits into pieces that do not depend on each other (stretches
of time, for layers that only look a few steps either side), `map_pieces` gives each worker thread whole pieces
instead, at one intra-op thread, so that the threads never meet until the end.

The workers' OpenMP setting is their own (an OpenMP thread-count setting belongs to the thread that makes it);
the caller's, and that of threads made later, are left as they were. One setting is the process's: when the
workers are made (and when a VITS voice first speaks), the C library (glibc) is told to keep freed memory for
reuse rather than hand it back to the system (see `keep_freed_memory`).
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import torch
from torch import Tensor

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")

_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
_in_worker = threading.local()


def _forget_pools() -> None:
    """In a forked child: the parent's worker threads do not exist there, so its pools would never answer."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


_kept = False


def keep_freed_memory() -> None:
    """Have glibc's malloc keep freed blocks of up to 32 MB in the process (``M_MMAP_THRESHOLD``) and never shrink
    its heaps below 128 MB of free space (``M_TRIM_THRESHOLD``), once per process; nothing where the C library is
    not glibc.

    By default glibc hands large freed blocks back to the system and maps them again at the next call, whose
    tensors then fault fresh pages in: a worker thread's heap is shrunk whenever a large block at its top is
    freed (8,000-15,000 page faults per VITS sentence at two threads, 20 ms of a 150 ms call), and on one thread
    sentences of new lengths found the main heap's thresholds wrong for them (17,000-23,000 faults a sentence,
    six sentences 1.30 s against 1.16 s). With these settings: none, after a sentence's first call. The price is
    memory: what a call freed stays in the process for the next.
    """
    global _kept
    if _kept:
        return
    _kept = True
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)
    mallopt(_M_TRIM_THRESHOLD, 128 << 20)


def _pool(workers: int) -> ThreadPoolExecutor:
    """A pool of `workers` threads that each run at one intra-op thread; made once per size."""
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            keep_freed_memory()
            pool = ThreadPoolExecutor(workers, thread_name_prefix="neuraltypes-piece")
            ready = threading.Barrier(workers)

            def one_thread() -> None:
                # a thread's first parallel operation sets its count from the process-wide one, once (reading
                # the count does it): only then does our setting stay
                torch.get_num_threads()
                torch.set_num_threads(1)
                _in_worker.yes = True
                ready.wait()  # every task holds its thread until all have one: each thread is set once

            for started in [pool.submit(one_thread) for _ in range(workers)]:
                started.result()
            # `set_num_threads` also sets the count that threads made later start with: put it back
            torch.set_num_threads(workers)
            _pools[workers] = pool
        return pool


def side_by_side(data: Tensor | None = None) -> int:
    """How many pieces may run at once here: PyTorch's intra-op threads; 1 while autograd records (a piece's
    graph would span threads), inside a piece (pieces do not split again) and for `data` off the CPU (a GPU
    runs one piece's operations in parallel already)."""
    if torch.is_grad_enabled() or getattr(_in_worker, "yes", False):
        return 1
    if data is not None and data.device.type != "cpu":
        return 1
    return torch.get_num_threads()


def _in_callers_mode(work: Callable[[_Item], _Result]) -> Callable[[_Item], _Result]:
    """`work` made to run under the calling thread's inference mode, with autograd off (both are per thread)."""
    inference = torch.is_inference_mode_enabled()

    def run(item: _Item) -> _Result:
        with torch.inference_mode(inference), torch.no_grad():
            return work(item)

    return run


def map_pieces(
    work: Callable[[_Item], _Result], pieces: Iterable[_Item], data: Tensor | None = None
) -> list[_Result]:
    """`work` over `pieces`, in order; side by side on `side_by_side(data)` threads, one after another in the
    calling thread where that is 1. `work` must not depend on the order in which pieces run; writing disjoint
    slices of one output tensor is safe."""
    items, workers = list(pieces), side_by_side(data)
    if workers < 2 or len(items) < 2:
        return [work(item) for item in items]
    return list(_pool(workers).map(_in_callers_mode(work), items))


def run_alone(work: Callable[[], _Result], data: Tensor | None = None) -> _Result:
    """`work()` at one intra-op thread: on a worker where `side_by_side(data)` allows several pieces, else in the
    calling thread (so on it for `data` off the CPU).

    For a stage of operations too small to gain from a thread team (it would pay the team's start at each)."""
    workers = side_by_side(data)
    if workers < 2:
        return work()
    return _pool(workers).submit(_in_callers_mode(lambda _: work()), None).result()


def time_windows(
    length: int, chunk: int, halo: int, *, same_width: bool = True
) -> list[tuple[int, int, int, int]]:
    """Pieces of ``range(length)`` for a computation whose outputs see `halo` steps either side.

    Each is ``(start, stop, low, high)``: the piece ``[start, stop)`` (`chunk` steps, the last shorter) is
    computed over ``[low, high)``, the piece widened by `halo` either side (as far as there is signal), and cut
    back by ``start - low``. With `same_width`, every window is as wide (the first widened to the right, the last
    to the left): kernels that oneDNN makes for one width serve the next inputs too. One window, the whole of it,
    where that is no wider.
    """
    window = chunk + 2 * halo
    if length <= window:
        return [(0, length, 0, length)]
    pieces = []
    for start in range(0, length, chunk):
        stop = min(start + chunk, length)
        low, high = max(start - halo, 0), min(stop + halo, length)
        if same_width:
            low, high = (length - window, length) if high == length else (low, max(high, window))
        pieces.append((start, stop, low, high))
    return pieces


def fill_by_windows(
    out: Tensor,
    compute: Callable[[int, int], Tensor],
    chunk: int,
    halo: int,
    scale: int = 1,
    *,
    same_width: bool = True,
) -> Tensor:
    """`out`, whose last axis is ``scale`` steps per input step, filled window by window (`time_windows` over
    ``out.shape[-1] // scale`` input steps, `same_width` as there), side by side where there are threads and
    `out` is on the CPU (`map_pieces`).

    ``compute(low, high)`` gives the output of input steps ``[low, high)`` (``(high - low) * scale`` steps on its
    last axis); each window's piece is cut out of it. Exact where each output step depends only on input steps
    within `halo` of its own (convolutions, element-wise operations)."""

    def piece(window: tuple[int, int, int, int]) -> None:
        start, stop, low, high = window
        out[..., start * scale : stop * scale] = compute(low, high)[..., (start - low) * scale :][
            ..., : (stop - start) * scale
        ]

    map_pieces(piece, time_windows(out.shape[-1] // scale, chunk, halo, same_width=same_width), out)
    return out


def per_thread(length: int, data: Tensor | None = None) -> int:
    """Steps of one stretch when `length` steps are shared out one stretch per thread (`side_by_side(data)`)."""
    return -(-length // side_by_side(data))


__all__ = [
    "fill_by_windows",
    "keep_freed_memory",
    "map_pieces",
    "per_thread",
    "run_alone",
    "side_by_side",
    "time_windows",
]
