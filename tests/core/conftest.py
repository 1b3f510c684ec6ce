"""Fixtures shared by the core tests."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

import neuraltypes as nt


@pytest.fixture
def audio() -> Tensor:
    return nt.tag(torch.randn(2, 800), nt.tags.AudioSignal(16000))


@pytest.fixture
def lengths() -> Tensor:
    return torch.tensor([800, 640])
