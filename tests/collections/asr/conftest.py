"""Shared settings for the ASR tests (not the vad/ folder, which has its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    # The models here are small: one thread is faster than two fighting over a shared 2-core CI machine.
    if "vad" in request.path.parts:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
