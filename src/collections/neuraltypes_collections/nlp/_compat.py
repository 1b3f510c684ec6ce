"""TEMPORARY: neuraltypes names used by the NLP collection, until the contract core exports them.

Once `import neuraltypes` provides these names, this module only re-exports them (and will be removed).
"""

from typing import Any

import torch
from torch import Tensor

try:
    from neuraltypes import Encoded, Logits, Mask, NeuralModule, TokenIndex
except ImportError:  # the core has not landed yet

    class _Untyped:
        def __class_getitem__(cls, item: Any) -> Any:
            return Tensor

    Encoded = Logits = Mask = TokenIndex = _Untyped  # type: ignore[misc,assignment]
    NeuralModule = torch.nn.Module  # type: ignore[misc,assignment]

__all__ = ["Encoded", "Logits", "Mask", "NeuralModule", "TokenIndex"]
