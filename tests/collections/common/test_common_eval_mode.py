"""`eval_mode`: eval inside the block, the caller's mode after it, also when the block raises."""

import pytest
import torch
from neuraltypes_collections.common import eval_mode


@pytest.mark.parametrize("training", [True, False])
def test_mode_inside_and_after(training: bool) -> None:
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout()).train(training)
    with eval_mode(net):
        assert not net.training and not net[1].training
    assert net.training is training and net[1].training is training


def test_mode_is_restored_when_the_block_raises() -> None:
    net = torch.nn.Dropout().train()
    with pytest.raises(RuntimeError, match="boom"), eval_mode(net):
        raise RuntimeError("boom")
    assert net.training
