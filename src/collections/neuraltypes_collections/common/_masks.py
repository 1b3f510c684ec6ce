"""Masks from lengths: which positions of a padded batch hold data.

Every collection pads its batches on the right and carries a `Lengths` tensor beside them; these two
functions are the one place that turns such lengths into a mask.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["lengths_to_mask", "mask_beyond"]


def lengths_to_mask(lengths: Tensor, max_length: int) -> Tensor:
    """Boolean mask of the valid positions of a right-padded batch.

    **Arguments:**

    - `lengths`: integer tensor of shape `(batch,)`, the valid positions of each row.
    - `max_length`: the padded length (the size of the time axis).

    **Returns:** a bool tensor of shape `(batch, max_length)` on the device of `lengths`, `True` where
    `position < lengths[row]`.

    >>> lengths_to_mask(torch.tensor([3, 1]), 4).int().tolist()
    [[1, 1, 1, 0], [1, 0, 0, 0]]
    """
    return torch.arange(max_length, device=lengths.device)[None, :] < lengths[:, None]


def mask_beyond(x: Tensor, lengths: Tensor, value: float = 0.0) -> Tensor:
    """A copy of `x` with every position of its last axis at or beyond `lengths[row]` set to `value`.

    **Arguments:**

    - `x`: a tensor whose first axis is the batch and whose last axis is time (any axes in between).
    - `lengths`: integer tensor of shape `(batch,)`.
    - `value`: the fill value.

    >>> mask_beyond(torch.ones(2, 1, 3), torch.tensor([1, 3]), -1.0).tolist()
    [[[1.0, -1.0, -1.0]], [[1.0, 1.0, 1.0]]]
    """
    invalid = ~lengths_to_mask(lengths, x.shape[-1])
    shape = (x.shape[0],) + (1,) * (x.dim() - 2) + (x.shape[-1],)
    return x.masked_fill(invalid.reshape(shape), value)
