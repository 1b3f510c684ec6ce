"""Annotation names used by the ASR collection, taken from the neuraltypes core.

The collection annotates every forward with the core's tags (`AudioSignal[Tensor, "batch time", ...]`).
This module is the one place that imports them, so that the rest of the collection reads
`from .._typing import AudioSignal, Lengths, ...`.
"""

try:
    from neuraltypes import (
        MFCC as MFCC,
    )
    from neuraltypes import (
        AcousticEncoded as AcousticEncoded,
    )
    from neuraltypes import (
        AudioSignal as AudioSignal,
    )
    from neuraltypes import (
        Labels as Labels,
    )
    from neuraltypes import (
        Lengths as Lengths,
    )
    from neuraltypes import (
        LogProbs as LogProbs,
    )
    from neuraltypes import (
        Loss as Loss,
    )
    from neuraltypes import (
        MelSpectrogram as MelSpectrogram,
    )
    from neuraltypes import (
        NeuralModule as NeuralModule,
    )
    from neuraltypes import (
        Predictions as Predictions,
    )
    from neuraltypes import (
        Spectrogram as Spectrogram,
    )
    from neuraltypes import (
        TokenIndex as TokenIndex,
    )
    from neuraltypes import (
        attr as attr,
    )
    from neuraltypes import (
        checked as checked,
    )
    from neuraltypes import (
        params as params,
    )
except ImportError:  # pragma: no cover - the contract core has not landed yet: annotations become inert
    import torch as _torch

    class _Inert:
        def __getitem__(self, item: object) -> object:
            return _torch.Tensor

    AcousticEncoded = AudioSignal = Labels = Lengths = LogProbs = Loss = _Inert()  # type: ignore
    MelSpectrogram = MFCC = Predictions = Spectrogram = TokenIndex = _Inert()  # type: ignore
    NeuralModule = _torch.nn.Module  # type: ignore

    def checked(function):  # type: ignore
        return function

    def attr(name: str) -> object:  # type: ignore
        return name

    def params(**kwargs: object) -> object:  # type: ignore
        return kwargs

__all__ = [
    "AcousticEncoded",
    "AudioSignal",
    "Labels",
    "Lengths",
    "LogProbs",
    "Loss",
    "MFCC",
    "MelSpectrogram",
    "NeuralModule",
    "Predictions",
    "Spectrogram",
    "TokenIndex",
    "attr",
    "checked",
    "params",
]
