"""Annotation names used by the ASR collection, taken from the neuraltypes core.

The collection annotates every forward with the core's tags (`AudioSignal[Tensor, "batch time", ...]`).
This module is the one place that imports them, so that the rest of the collection reads
`from .._typing import AudioSignal, Lengths, ...`.
"""

try:
    from neuraltypes import (
        AcousticEncoded as AcousticEncoded,
        AudioSignal as AudioSignal,
        Labels as Labels,
        Lengths as Lengths,
        LogProbs as LogProbs,
        Loss as Loss,
        MelSpectrogram as MelSpectrogram,
        MFCC as MFCC,
        NeuralModule as NeuralModule,
        Predictions as Predictions,
        Spectrogram as Spectrogram,
        TokenIndex as TokenIndex,
        attr as attr,
        checked as checked,
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
