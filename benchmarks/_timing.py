"""Interleaved timing shared by the benchmark scripts (run as `python benchmarks/NAME.py`, which puts this folder
on `sys.path`)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping


def interleaved_times(variants: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Wall times of each variant over `rounds` rounds, after one warm-up call each.

    Each round runs every variant once, in a shuffled order, so that load on a shared machine falls on all
    variants alike. Returns the seconds of each call, by variant name.
    """
    for run in variants.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants)
    for _ in range(rounds):
        random.shuffle(order)
        for name in order:
            start = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - start)
    return times
