"""The neuraltypes names the TTS collection annotates with, imported in one place."""

from neuraltypes import (
    Alignment,
    AudioSignal,
    Lengths,
    LogDeterminant,
    Logits,
    Loss,
    MelSpectrogram,
    NeuralModule,
    NormalSamples,
    RegressionValues,
    TokenDuration,
    TokenIndex,
    TokenLogDuration,
    attr,
    params,
)

__all__ = [
    "Alignment",
    "AudioSignal",
    "Lengths",
    "LogDeterminant",
    "Logits",
    "Loss",
    "MelSpectrogram",
    "NeuralModule",
    "NormalSamples",
    "RegressionValues",
    "TokenDuration",
    "TokenIndex",
    "TokenLogDuration",
    "attr",
    "params",
]
