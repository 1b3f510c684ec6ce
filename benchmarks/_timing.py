"""Interleaved timing shared by the benchmark scripts (run as `python benchmarks/NAME.py`, which puts this folder
on `sys.path`)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping


def interleaved_times(
    variants: Mapping[str, Callable[[], object]], rounds: int, *, settle: float = 0.0
) -> dict[str, list[float]]:
    """Wall times of each variant over `rounds` rounds, after one warm-up call each.

    Each round runs every variant once, in a shuffled order, so that load on a shared machine falls on all
    variants alike. `settle` seconds of sleep before each call (not timed) let the thread pools of the previous
    variant go idle: a runtime whose idle threads spin (onnxruntime's and OpenMP's do, for a while after each
    call) would otherwise take cores from the next one. Returns the seconds of each call, by variant name.
    """
    for run in variants.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants)
    for _ in range(rounds):
        random.shuffle(order)
        for name in order:
            time.sleep(settle)
            start = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - start)
    return times
