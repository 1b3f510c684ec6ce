"""One import point for the neuraltypes names the TTS collection uses.

The contract core (`neuraltypes`) is developed in parallel; while it is missing this module provides inert stand-ins
so that the collection still imports and runs unchecked. Delete the fallback once the core has landed.
"""

from __future__ import annotations

from typing import Any

try:
    from neuraltypes import (
        AudioSignal,
        Lengths,
        Loss,
        MelSpectrogram,
        NeuralModule,
        RegressionValues,
        TokenDuration,
        TokenIndex,
        TokenLogDuration,
        attr,
        params,
    )
except ImportError:  # pragma: no cover - the core has not landed yet
    import torch

    NeuralModule = torch.nn.Module  # type: ignore[misc,assignment]

    class _Tag:
        def __class_getitem__(cls, item: Any) -> Any:
            return torch.Tensor

    AudioSignal = Lengths = Loss = MelSpectrogram = RegressionValues = _Tag  # type: ignore[misc,assignment]
    TokenDuration = TokenIndex = TokenLogDuration = _Tag  # type: ignore[misc,assignment]

    def attr(name: str) -> Any:  # type: ignore[no-redef]
        return None

    def params(**kwargs: Any) -> Any:  # type: ignore[no-redef]
        return None


__all__ = [
    "AudioSignal",
    "Lengths",
    "Loss",
    "MelSpectrogram",
    "NeuralModule",
    "RegressionValues",
    "TokenDuration",
    "TokenIndex",
    "TokenLogDuration",
    "attr",
    "params",
]
