"""A plain @beartype function annotated with neural types is checked too (dims bind within one argument)."""

from __future__ import annotations

import pytest
import torch
from beartype import beartype
from torch import Tensor

import neuraltypes as nt
from neuraltypes import AudioSignal, ContractViolation, Lengths


@beartype
def level(audio: AudioSignal[Tensor, "batch time", 16000], lengths: Lengths[Tensor, "batch"]) -> Tensor:
    return audio.abs().mean(1)


def test_beartype_checks_rank_dtype_and_tag() -> None:
    level(torch.zeros(2, 5), torch.tensor([5, 5]))
    with pytest.raises(ContractViolation, match="rank 1"):
        level(torch.zeros(5), torch.tensor([5, 5]))
    with pytest.raises(ContractViolation, match="dtype float32 is not int"):
        level(torch.zeros(2, 5), torch.zeros(2))
    with pytest.raises(ContractViolation, match="resample 8000 Hz -> 16000 Hz"):
        level(nt.tag(torch.zeros(2, 5), nt.tags.AudioSignal(8000)), torch.tensor([5, 5]))


def test_beartype_respects_the_off_switch() -> None:
    with nt.checking("off"):
        assert level(torch.zeros(2, 5), torch.zeros(2)).shape == (2,)
