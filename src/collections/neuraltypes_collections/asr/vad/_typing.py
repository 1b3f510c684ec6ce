"""The neuraltypes names the VAD package annotates with, imported in one place.

The contract core is written in parallel with this package; until `neuraltypes` exposes these names the fallback
below makes the annotations inert (plain `torch.Tensor`), so the package still imports and runs unchecked.
"""

from __future__ import annotations

from typing import Any

try:
    from neuraltypes import (
        AudioSignal as AudioSignal,
        Encoded as Encoded,
        Lengths as Lengths,
        NeuralModule as NeuralModule,
        Probs as Probs,
        Spectrogram as Spectrogram,
        attr as attr,
        checked as checked,
        params as params,
    )
except ImportError:  # pragma: no cover - the contract core has not landed yet
    import torch as _torch

    class _Inert:
        def __getitem__(self, item: Any) -> Any:
            return _torch.Tensor

    AudioSignal = Encoded = Lengths = Probs = Spectrogram = _Inert()  # type: ignore[assignment,misc]
    NeuralModule = _torch.nn.Module  # type: ignore[assignment,misc]

    def attr(name: str) -> Any:  # type: ignore[no-redef]
        return name

    def params(**kwargs: Any) -> Any:  # type: ignore[no-redef]
        return kwargs

    def checked(function: Any) -> Any:  # type: ignore[no-redef]
        return function


__all__ = [
    "AudioSignal",
    "Encoded",
    "Lengths",
    "NeuralModule",
    "Probs",
    "Spectrogram",
    "attr",
    "checked",
    "params",
]
